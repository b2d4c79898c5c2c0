import uuid

from django.conf import settings
from django.db import models

from events.models import Session


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=Booking.Status.CANCELLED)

    def confirmed(self):
        return self.filter(status=Booking.Status.CONFIRMED)

    def waitlisted(self):
        return self.filter(status=Booking.Status.WAITLISTED)

    def waitlist_order(self):
        """FIFO: first waitlisted first, ties broken by id."""
        return self.waitlisted().order_by("waitlisted_at", "id")


class Booking(models.Model):
    """A person's place (or place in the queue) at a session."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Cancelled"

    class Attendance(models.TextChoices):
        UNMARKED = "unmarked", "Not marked"
        ATTENDED = "attended", "Attended"
        ABSENT = "absent", "Absent"

    class Source(models.TextChoices):
        WEB = "web", "Website"
        API = "api", "API"
        ADMIN = "admin", "Admin"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    late_cancellation = models.BooleanField(default=False)
    attendance = models.CharField(
        max_length=16, choices=Attendance.choices, default=Attendance.UNMARKED
    )
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    access_needs = models.TextField(
        blank=True,
        help_text="Seen only by the session's trainers and coordinators; removed by retention.",
    )
    ical_uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=~models.Q(status="cancelled"),
                name="one_active_booking_per_person",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="waitlisted") | models.Q(waitlisted_at__isnull=False),
                name="waitlisted_booking_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="booking_session_status"),
            models.Index(fields=["person", "status"], name="booking_person_status"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.session} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED
