from django.conf import settings
from django.db import models
from django.utils import timezone

from notifications.kinds import Kind


class NotificationQuerySet(models.QuerySet):
    def due(self, now=None):
        """Messages waiting to be sent whose next attempt time has come."""
        return self.filter(
            status=Notification.Status.QUEUED, next_attempt_at__lte=now or timezone.now()
        )


class Notification(models.Model):
    """One outbound message in the outbox: what was sent to whom, and how sending went.

    The content is rendered when the row is created, so every attempt sends the same bytes and
    the row shows exactly what the person received. ``dedupe_key`` is unique: the same event
    (kind + booking + calendar sequence, for instance) can only ever make one message.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True, editable=False)
    recipient = models.EmailField()
    recipient_name = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    booking = models.ForeignKey(
        "booking.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    session = models.ForeignKey(
        "events.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    calendar_method = models.CharField(
        max_length=8, blank=True, help_text="REQUEST or CANCEL when an invitation is attached."
    )
    calendar_sequence = models.PositiveIntegerField(null=True, blank=True)
    calendar = models.TextField(blank=True, help_text="The attached invitation (.ics).")
    # One file sent with the message (a certificate of attendance), stored with it so that
    # every attempt sends the same bytes.
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment = models.BinaryField(blank=True, default=b"", editable=False)
    message_id = models.CharField(
        max_length=255, editable=False, help_text="Our Message-ID header, the same on every try."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"
