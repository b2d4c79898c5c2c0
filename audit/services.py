import logging
from functools import partial

from django.db import models, transaction

from audit.models import AuditEvent

logger = logging.getLogger("audit")


def record(action: str, *, actor, target: models.Model, **data) -> AuditEvent:
    """Append an audit event; ``data`` holds ids and counts only, never personal details.

    Each event is also logged to the ``audit`` logger after commit (one JSON line in
    production) with the same ids, so operators can follow actions without the database.
    """
    event = AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
    # Logged once the change is committed, so a rolled-back action leaves no log line.
    transaction.on_commit(
        partial(
            logger.info,
            action,
            extra={
                "actor_id": event.actor_id,
                "target_type": event.target_type,
                "target_id": event.target_id,
                "data": data,
            },
        )
    )
    return event
