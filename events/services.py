from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import record
from common.errors import InvalidValue
from events.models import Session


def create_session(*, event, by, trainers=(), **fields) -> Session:
    """Schedule a new session of an event after validating it like the admin does."""
    session = Session(event=event, **fields)
    validate_session(session)
    with transaction.atomic():
        session.save()
        session.trainers.set(trainers)
        record("session.created", actor=by, target=session)
    return session


def validate_session(session: Session) -> None:
    """Run the model's validation and turn its errors into one domain error."""
    try:
        session.full_clean(exclude=["trainers"])
    except ValidationError as error:
        raise InvalidValue(
            "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            ),
            errors=error.message_dict,
        ) from error
