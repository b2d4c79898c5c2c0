"""Reads for the trainers' pages."""

from django.db.models import Count, Q, QuerySet

from booking.models import Booking
from booking.queries import sessions_with_availability
from events.models import Session


def trained_sessions_with_counts(user) -> QuerySet[Session]:
    """The sessions the user trains, with booked, waitlist and attended counts (one query)."""
    return sessions_with_availability(
        Session.objects.for_trainer(user).select_related("event", "venue")
    ).annotate(
        attended_count=Count("bookings", filter=Q(bookings__attendance=Booking.Attendance.ATTENDED))
    )


def trainer_names(session: Session) -> list[str]:
    return [str(trainer) for trainer in session.trainers.order_by("full_name", "email")]
