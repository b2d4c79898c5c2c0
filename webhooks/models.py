"""Outbound webhooks: endpoints, the messages written for them, and every delivery attempt.

A ``Message`` is one event (``booking.created`` ...) with its body stored as the exact bytes
sent, under a ``webhook_id`` that every retry repeats. A ``Delivery`` is that message on its way
to one endpoint; an ``Attempt`` is one HTTP request of it (status code or error).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    BOOKING_CREATED = "booking.created", "A booking was made (confirmed or waitlisted)"
    BOOKING_CANCELLED = "booking.cancelled", "A booking was cancelled"
    BOOKING_PROMOTED = "booking.promoted", "A waitlisted booking got a place"
    BOOKING_OFFERED = "booking.offered", "A waitlisted person was offered a place"
    SESSION_CHANGED = "session.changed", "A session's time, place or link changed"
    SESSION_CANCELLED = "session.cancelled", "A session was cancelled"
    ATTENDANCE_MARKED = "attendance.marked", "Attendance was marked"


class EndpointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Endpoint(models.Model):
    """Where a partner system wants events, which events, and the secret that signs them."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event types sent to this endpoint.")
    description = models.CharField(max_length=200, blank=True)
    # Needed in clear to sign each request (HMAC); shown to the coordinator once, at creation.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed attempt since the last success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class Message(models.Model):
    """One event, written in the transaction of the change it reports."""

    webhook_id = models.CharField(max_length=40, unique=True, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices)
    body = models.TextField(help_text="The JSON body exactly as sent, on every attempt.")
    # Events with the same key reach an endpoint in the order they were written (per booking).
    ordering_key = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} {self.webhook_id}"


class Delivery(models.Model):
    """A message on its way to one endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (attempts used up)"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    ordering_key = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(
                fields=["endpoint", "ordering_key", "status"], name="webhook_delivery_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message} to {self.endpoint} ({self.status})"


class Attempt(models.Model):
    """One HTTP request of a delivery: its status code, or the error that stopped it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_set")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["delivery", "number"], name="webhook_attempt_delivery")]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
