"""Reusable reads about bookings and availability."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest

from accounts.rules import is_coordinator
from booking.models import Booking
from events.models import Session
from events.queries import (
    SESSION_CHANGES,
    FeedState,
    feed_start,
    sessions_for_calendar,
    trainer_flag,
)


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


def with_viewer(sessions, user):
    """Annotate what the user is to each session, for ``booking.rules`` to read without a
    query per session: ``viewer_is_trainer`` and ``viewer_is_confirmed``."""
    if not user.is_authenticated:
        return sessions
    return sessions.annotate(
        viewer_is_trainer=trainer_flag(user),
        viewer_is_confirmed=Exists(
            Booking.objects.confirmed().filter(session=OuterRef("pk"), person=user)
        ),
    )


def _ahead_in_queue(waitlisted_at, pk) -> Q:
    """The waitlisted bookings before (waitlisted_at, pk) in the queue: the order of
    ``BookingQuerySet.waitlist_order`` (first waitlisted first, ties by id), as a filter."""
    return Q(waitlisted_at__lt=waitlisted_at) | Q(waitlisted_at=waitlisted_at, pk__lt=pk)


def annotate_waitlist_position(bookings):
    """Annotate a booking queryset with waitlist_position, in the same query.

    Counts the waitlisted bookings ahead in the same session; None for bookings that are not
    waiting. Derived from the queue on every read, so it can never drift.
    """
    ahead = count_of(
        Booking.objects.waitlisted()
        .filter(session=OuterRef("session"))
        .filter(_ahead_in_queue(OuterRef("waitlisted_at"), OuterRef("pk")))
    )
    return bookings.annotate(
        waitlist_position=Case(
            When(status=Booking.Status.WAITLISTED, then=ahead + Value(1)),
            default=None,
        )
    )


def with_waitlist_position(bookings) -> list[Booking]:
    """The bookings, each with ``waitlist_position`` (1-based; None if not waiting)."""
    return list(annotate_waitlist_position(bookings))


def waitlist_position(booking: Booking) -> int | None:
    """The booking's place in its session's queue, or None when it is not waitlisted."""
    if booking.status != Booking.Status.WAITLISTED:
        return None
    ahead = Booking.objects.waitlisted().filter(
        _ahead_in_queue(booking.waitlisted_at, booking.pk), session_id=booking.session_id
    )
    return ahead.count() + 1


def registers_for(user) -> QuerySet:
    """``booking.rules.may_see_register`` as a queryset: the sessions whose register the user
    may open (trainers their own, coordinators every one); any other is not there (404)."""
    sessions = Session.objects.select_related("event__programme", "venue").annotate(
        viewer_is_trainer=trainer_flag(user)
    )
    if is_coordinator(user):
        return sessions
    return sessions.for_trainer(user)


def bookings_visible_to(user):
    """``booking.rules.may_see_booking`` as a queryset: coordinators every booking, anyone
    else their own."""
    if is_coordinator(user):
        return Booking.objects.all()
    return Booking.objects.filter(person=user)


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


# Calendar feeds of bookings (the personal feed) and of booked numbers (the trainer feed); the
# session feeds' own reads are in ``events.queries``.

_BOOKING_CHANGES = ("created_at", "confirmed_at", "waitlisted_at", "cancelled_at")


def personal_feed_bookings(user, *, now: datetime) -> QuerySet:
    """A person's places and waitlist places, and bookings cancelled in the last 90 days."""
    start = feed_start(now)
    return Booking.objects.filter(person=user, session__starts_at__gte=start).filter(
        ~Q(status=Booking.Status.CANCELLED) | Q(cancelled_at__gte=start)
    )


def trainer_sessions_for_calendar(sessions: QuerySet, trainer) -> QuerySet:
    """Sessions with their booked numbers (``confirmed_count``, ``waitlist_length``) and what
    the trainer is to each (``with_viewer``)."""
    return with_viewer(sessions_with_availability(sessions_for_calendar(sessions)), trainer)


def bookings_for_calendar(bookings: QuerySet) -> QuerySet:
    """Load bookings with their sessions, events, programmes, venues and themes (two queries)."""
    return (
        bookings.select_related("session__event__programme", "session__venue")
        .prefetch_related("session__event__themes")
        .order_by("session__starts_at", "pk")
    )


def trainer_state(sessions: QuerySet, *, kind: str, now: datetime) -> FeedState:
    """The validators of a trainer feed, booked numbers included, in one aggregate query."""
    booked = {
        f"{status}_bookings": Count("bookings", filter=Q(bookings__status=status), distinct=True)
        for status in Booking.Status.values
    }
    values = sessions.order_by().aggregate(
        sessions=Count("pk", distinct=True),
        **booked,
        **{path: Max(path) for path in SESSION_CHANGES},
        **{f"bookings__{name}": Max(f"bookings__{name}") for name in _BOOKING_CHANGES},
    )
    return FeedState.of(kind, values, now=now)


def bookings_state(bookings: QuerySet, *, kind: str, now: datetime) -> FeedState:
    """The validators of a personal feed, in one aggregate query.

    Every change that reaches a person's feed moves one of these: a new booking (count), a
    promotion (status counts, ``confirmed_at``), a cancellation (``cancelled_at``), a session
    change (the session's ``updated_at``; it is saved whenever a booking SEQUENCE is raised).
    """
    by_status = {
        status: Count("pk", filter=Q(status=status), distinct=True)
        for status in Booking.Status.values
    }
    values = bookings.order_by().aggregate(
        **by_status,
        **{name: Max(name) for name in _BOOKING_CHANGES},
        **{f"session__{path}": Max(f"session__{path}") for path in SESSION_CHANGES},
    )
    return FeedState.of(kind, values, now=now)
