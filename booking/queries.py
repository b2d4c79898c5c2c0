"""Reusable reads about bookings and availability."""

from collections.abc import Iterable

from django.db.models import (
    Case,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Greatest, RowNumber

from booking.models import Booking
from events.models import Session


def count_of(rows) -> Subquery:
    """How many rows a correlated queryset (one filtered by ``OuterRef``) matches: one COUNT in
    a subquery, zero when there are none, evaluated only for the outer rows returned."""
    return Subquery(
        rows.order_by().annotate(n=Func("pk", function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def sessions_with_availability(sessions=None):
    """Annotate sessions with confirmed_count, waitlist_length and places_left (one query).

    The counts are correlated subqueries rather than a join with GROUP BY, so the database
    counts bookings only for the sessions it returns (a page of 20 costs 20 index lookups, not
    an aggregate over every booking), and ``.count()`` for pagination needs no bookings at all.
    """
    sessions = Session.objects.all() if sessions is None else sessions
    return sessions.annotate(
        confirmed_count=count_of(Booking.objects.confirmed().filter(session=OuterRef("pk"))),
        waitlist_length=count_of(Booking.objects.waitlisted().filter(session=OuterRef("pk"))),
    ).annotate(places_left=Greatest(F("capacity") - F("confirmed_count"), 0))


def with_waitlist_position(bookings):
    """Annotate bookings with waitlist_position (1-based within their session; None if not waiting).

    Derived from the queue order on every read, so it can never drift.
    """
    positions = dict(
        Booking.objects.waitlisted()
        .filter(session__in=bookings.values("session"))
        .annotate(
            position=Window(
                RowNumber(), partition_by=F("session"), order_by=[F("waitlisted_at"), F("id")]
            )
        )
        .values_list("pk", "position")
    )
    result = list(bookings)
    for booking in result:
        booking.waitlist_position = positions.get(booking.pk)
    return result


def annotate_waitlist_position(bookings):
    """Annotate a booking queryset with waitlist_position, in the same query (for paginated lists).

    Counts the waitlisted bookings ahead in the same session, in the queue order of
    ``BookingQuerySet.waitlist_order``; None for bookings that are not waiting.
    """
    ahead = count_of(
        Booking.objects.waitlisted()
        .filter(session=OuterRef("session"))
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
        )
    )
    return bookings.annotate(
        waitlist_position=Case(
            When(status=Booking.Status.WAITLISTED, then=ahead + Value(1)),
            default=None,
        )
    )


def waitlist_position(booking: Booking) -> int | None:
    """The booking's place in its session's queue, or None when it is not waitlisted."""
    if booking.status != Booking.Status.WAITLISTED:
        return None
    return (
        Booking.objects.waitlisted()
        .filter(session_id=booking.session_id)
        .filter(
            Q(waitlisted_at__lt=booking.waitlisted_at)
            | Q(waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk)
        )
        .count()
        + 1
    )


def bookings_for(person, *, statuses: Iterable[str] | None = None):
    """A person's bookings with their sessions, latest session first."""
    bookings = Booking.objects.filter(person=person).select_related(
        "session__event__programme", "session__venue"
    )
    if statuses:
        bookings = bookings.filter(status__in=list(statuses))
    return bookings.order_by("-session__starts_at", "-id")


def active_booking(session: Session, person) -> Booking | None:
    """The person's confirmed or waitlisted booking at the session, if any."""
    if not person.is_authenticated:
        return None
    return Booking.objects.active().filter(session=session, person=person).first()
