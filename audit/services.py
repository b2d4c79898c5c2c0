import logging

from django.db import models

from audit.models import AuditEvent

logger = logging.getLogger("audit")


def record(action: str, *, actor, target: models.Model, **data) -> AuditEvent:
    """Append an audit event; ``data`` holds ids and counts only, never personal details.

    Each event is also logged to the ``audit`` logger (one JSON line in production) with the
    same ids, so operators can follow actions without the database. The line is written as
    the event is recorded; the table stays the record of what was committed.
    """
    actor = actor if actor is not None and actor.pk else None
    event = AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_ref=actor.pk if actor else None,
        actor_label=actor.get_username() if actor else "",
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
    logger.info(
        action,
        extra={
            "actor_id": event.actor_id,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "data": data,
        },
    )
    return event


def relabel_actor(actor_id: int, label: str) -> int:
    """Replace the copied label of everything this account did (when it is anonymised)."""
    return AuditEvent.objects.filter(actor_ref=actor_id).update(actor_label=label)
