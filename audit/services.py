from django.db import models

from audit.models import AuditEvent


def record(action: str, *, actor, target: models.Model, **data) -> AuditEvent:
    """Append an audit event; ``data`` holds ids and counts only, never personal details."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
