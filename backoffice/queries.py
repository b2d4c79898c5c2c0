"""Who may see which register: trainers their own sessions, coordinators every session."""

from django.db.models import Count, Q, QuerySet

from booking.models import Booking
from booking.queries import sessions_with_availability
from events.models import Session


def registers_for(user) -> QuerySet[Session]:
    """The sessions whose register the user may open; anyone else's is simply not there (404)."""
    sessions = Session.objects.select_related("event__programme", "venue")
    if user.is_coordinator:
        return sessions
    return sessions.filter(trainers=user)


def my_sessions(user) -> QuerySet[Session]:
    """The sessions the user trains, with booked, waitlist and attended counts (one query)."""
    return sessions_with_availability(
        Session.objects.for_trainer(user).select_related("event", "venue")
    ).annotate(
        attended_count=Count("bookings", filter=Q(bookings__attendance=Booking.Attendance.ATTENDED))
    )


def trainer_names(session: Session) -> list[str]:
    return [str(trainer) for trainer in session.trainers.order_by("full_name", "email")]
