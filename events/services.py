from datetime import datetime

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
        # The model's clean() states the check constraints in words and the calendar UID is not
        # editable, so the database is not asked again for either (the constraints stay).
        session.full_clean(exclude=["trainers"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidValue(
            "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            ),
            errors=error.message_dict,
        ) from error


# Copied to a duplicate; everything else (status, calendar identity, bookings) starts afresh.
COPIED_FIELDS = (
    "delivery",
    "venue",
    "join_url",
    "capacity",
    "waitlist_enabled",
    "waitlist_limit",
    "notes",
)


def duplicate_session(session: Session, *, starts_at: datetime, ends_at: datetime, by) -> Session:
    """Schedule a copy of the session at a new time, with the same trainers and settings.

    A booking window moves with the session, so it opens and closes as long before the new
    start as it did before the old one.
    """
    shift = starts_at - session.starts_at
    window = {
        name: getattr(session, name) + shift
        for name in ("booking_opens_at", "booking_closes_at")
        if getattr(session, name) is not None
    }
    return create_session(
        event=session.event,
        by=by,
        trainers=list(session.trainers.all()),
        starts_at=starts_at,
        ends_at=ends_at,
        **{name: getattr(session, name) for name in COPIED_FIELDS},
        **window,
    )
