from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """The first response to a request sent with an ``Idempotency-Key``, replayed on retries.

    Scoped to the person: two people may use the same key. The fingerprint (method, path and
    body) tells a retry from a different request that reuses a key by mistake.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
