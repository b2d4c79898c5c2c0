from django.conf import settings
from django.db import models

from common.ids import time_ordered_uuid
from events.models import Session


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=Booking.Status.CANCELLED)

    def confirmed(self):
        return self.filter(status=Booking.Status.CONFIRMED)

    def waitlisted(self):
        return self.filter(status=Booking.Status.WAITLISTED)

    def offered(self):
        return self.filter(status=Booking.Status.OFFERED)

    def taking_places(self):
        """Confirmed places and live offers: what counts against the capacity."""
        return self.filter(status__in=Booking.PLACE_STATUSES)

    def pending_approval(self):
        return self.filter(status=Booking.Status.PENDING_APPROVAL)

    def waitlist_order(self):
        """FIFO: first waitlisted first, ties broken by id."""
        return self.waitlisted().order_by("waitlisted_at", "id")


class Booking(models.Model):
    """A person's place (or place in the queue) at a session."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "On the waitlist"
        OFFERED = "offered", "Offered a place"
        CANCELLED = "cancelled", "Cancelled"
        # Asked of the person's line manager; holds no place until approved.
        PENDING_APPROVAL = "pending_approval", "Waiting for manager's approval"

    # A confirmed place and a place held for someone until they answer both take a place.
    PLACE_STATUSES = (Status.CONFIRMED, Status.OFFERED)

    class Attendance(models.TextChoices):
        UNMARKED = "unmarked", "Not marked"
        ATTENDED = "attended", "Attended"
        ABSENT = "absent", "Absent"

    class Source(models.TextChoices):
        WEB = "web", "Website"
        API = "api", "API"
        ADMIN = "admin", "Admin"

    # No index of their own on the foreign keys: booking_session_status and
    # booking_person_status lead with them, and every index costs every booking's INSERT.
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Until when an offered place is held for the person."
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # booking_cancelled_by, partial: only the rows that have one
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
        db_index=False,  # booking_attendance_marked_by, partial
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    access_needs = models.TextField(
        blank=True,
        help_text="Seen only by the session's trainers and coordinators; removed by retention.",
    )
    manager_email = models.EmailField(
        blank=True, help_text="The line manager asked to approve the booking, if the course asks."
    )
    approval_decided_at = models.DateTimeField(null=True, blank=True)
    ical_uid = models.UUIDField(default=time_ordered_uuid, unique=True, editable=False)
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
            models.CheckConstraint(
                condition=~models.Q(status="offered") | models.Q(offer_expires_at__isnull=False),
                name="offered_booking_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="booking_session_status"),
            models.Index(fields=["person", "status"], name="booking_person_status"),
            # For deleting a user (SET NULL); NULL in nearly every row, so left out of the index.
            models.Index(
                fields=["cancelled_by"],
                condition=models.Q(cancelled_by__isnull=False),
                name="booking_cancelled_by",
            ),
            models.Index(
                fields=["attendance_marked_by"],
                condition=models.Q(attendance_marked_by__isnull=False),
                name="booking_attendance_marked_by",
            ),
            # allocate_places looks for offers past their time every minute.
            models.Index(
                fields=["offer_expires_at"],
                condition=models.Q(status="offered"),
                name="booking_live_offer_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.session} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def offer_expired(self) -> bool:
        """An offer that ran out (cancelled at or after its time; a declined one ended before)."""
        return (
            self.status == self.Status.CANCELLED
            and self.offer_expires_at is not None
            and self.confirmed_at is None
            and self.cancelled_at is not None
            and self.cancelled_at >= self.offer_expires_at
        )


class SessionWaitlist(models.Model):
    """How many bookings of a session are on its waitlist, kept by the database itself.

    Triggers on ``booking_booking`` (migration 0003) add and take away one whenever a booking
    joins or leaves a waitlist, whatever writes it (the booking rules, the admin, a bulk update,
    an erasure), in the same statement and transaction. ``book_session`` reads it under the
    session lock, so a new waitlist place gets its position (this + 1) without counting the
    queue: a count grew with every person waiting (docs/performance.md). Confirmed places are
    still counted, never stored.
    """

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    waitlisted = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.session_id}: {self.waitlisted} waitlisted"


class Evaluation(models.Model):
    """A person's answers about a session they attended: at most one per booking."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="evaluation")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"Evaluation of booking {self.booking_id}"


class EvaluationAnswer(models.Model):
    """One answer: a rating from 1 to 5, or free text (shown to trainers without a name)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        "events.EvaluationQuestion", on_delete=models.PROTECT, related_name="answers"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "question"], name="one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="evaluation_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.rating if self.rating is not None else self.text}"
