"""Reusable reads for the calendar feeds: what each feed shows and how to tell it changed.

Every feed is read in a constant number of queries whatever its size: one aggregate for its
validators (ETag / Last-Modified), one for its rows (sessions with event, programme and venue
joined) and one for the themes of those events. The validators come from the latest
``updated_at`` of every row a feed shows, its row count and, for bookings, their status counts
and timestamps, so a change anywhere in a feed changes its ETag without building the feed.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from booking.models import Booking
from booking.queries import sessions_with_availability
from events.models import Event, Programme, Session, Theme

# How far back feeds reach, and how long a cancelled session or booking stays in them as
# STATUS:CANCELLED so that subscribed calendars remove the event they hold.
FEED_HISTORY = timedelta(days=90)

# Raise when the feed format changes, so clients holding an old ETag fetch the new format.
FEED_FORMAT = 1

# The latest change of a session as a feed shows it: its own row, its event, programme, venue
# and themes (every one of them has an auto_now ``updated_at``).
_SESSION_CHANGES = (
    "updated_at",
    "event__updated_at",
    "event__programme__updated_at",
    "venue__updated_at",
    "event__themes__updated_at",
)
_BOOKING_CHANGES = ("created_at", "confirmed_at", "waitlisted_at", "cancelled_at")


@dataclass(frozen=True)
class FeedState:
    """The HTTP validators of a feed and the DTSTAMP its events carry.

    The feed's body is a function of these values alone, so ``cache_key`` can hold it.
    """

    etag: str
    cache_key: str
    changed_at: datetime  # latest change of anything shown; DTSTAMP of the feed's events
    last_modified: datetime  # changed_at, but never before the start of today (see below)

    @classmethod
    def of(cls, kind: str, values: dict, *, now: datetime) -> "FeedState":
        """Summarise a feed's aggregate ``values`` (counts and latest change times).

        Rows leaving a feed (a session passing the 90-day window, a programme being
        unpublished) change its counts and so its ETag, but not the latest change time of the
        rows that remain. Last-Modified is therefore never earlier than the start of the
        current day, so a client that only sends If-Modified-Since still refetches daily.
        """
        stamps = [value for value in values.values() if isinstance(value, datetime)]
        changed_at = max(stamps, default=feed_start(now))
        start_of_today = _local_midnight(timezone.localdate(now))
        # ``kind`` names the feed and its owner, so two feeds never share a key; the settings
        # are those that appear in every feed's text.
        fingerprint = repr(
            (
                FEED_FORMAT,
                kind,
                settings.SITE_URL,
                settings.PARTNERSHIP_NAME,
                sorted(values.items(), key=lambda item: item[0]),
            )
        )
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
        return cls(
            etag=f'W/"{digest}"',
            cache_key=f"calendar:{digest}",
            changed_at=changed_at,
            last_modified=max(changed_at, start_of_today).replace(microsecond=0),
        )


def feed_start(now: datetime) -> datetime:
    """The earliest start a feed shows: local midnight 90 days ago (whole days, so a feed's
    contents only change at midnight as time passes)."""
    return _local_midnight(timezone.localdate(now) - FEED_HISTORY)


def _local_midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.get_default_timezone())


def _in_window(sessions: QuerySet, *, now: datetime) -> QuerySet:
    """Sessions from 90 days ago onward; a cancelled one only for 90 days after cancelling.

    A cancelled session cannot be edited any more, so its ``updated_at`` is when it was
    cancelled.
    """
    start = feed_start(now)
    return sessions.filter(starts_at__gte=start).filter(
        Q(status=Session.Status.SCHEDULED) | Q(updated_at__gte=start)
    )


def public_feed_sessions(
    *, now: datetime, programme: Programme | None = None, theme: Theme | None = None
) -> QuerySet:
    """Published sessions for the public feeds: all, one programme's or one theme's."""
    sessions = Session.objects.published()
    if programme is not None:
        sessions = sessions.filter(event__programme=programme)
    if theme is not None:
        # A subquery rather than a join, so the state aggregate still sees all the themes of
        # each event (they are all shown as CATEGORIES).
        sessions = sessions.filter(event__in=Event.objects.filter(themes=theme).values("pk"))
    return _in_window(sessions, now=now)


def trainer_feed_sessions(user, *, now: datetime) -> QuerySet:
    """The published sessions a person is assigned to train."""
    return _in_window(Session.objects.published().for_trainer(user), now=now)


def personal_feed_bookings(user, *, now: datetime) -> QuerySet:
    """A person's places and waitlist places, and bookings cancelled in the last 90 days."""
    start = feed_start(now)
    return Booking.objects.filter(person=user, session__starts_at__gte=start).filter(
        ~Q(status=Booking.Status.CANCELLED) | Q(cancelled_at__gte=start)
    )


def sessions_for_calendar(sessions: QuerySet) -> QuerySet:
    """Load what the calendar builder reads, in two queries."""
    return (
        sessions.select_related("event__programme", "venue")
        .prefetch_related("event__themes")
        .order_by("starts_at", "pk")
    )


def trainer_sessions_for_calendar(sessions: QuerySet) -> QuerySet:
    """Sessions with their booked numbers (``confirmed_count``, ``waitlist_length``)."""
    return sessions_with_availability(sessions_for_calendar(sessions))


def bookings_for_calendar(bookings: QuerySet) -> QuerySet:
    """Load bookings with their sessions, events, programmes, venues and themes (two queries)."""
    return (
        bookings.select_related("session__event__programme", "session__venue")
        .prefetch_related("session__event__themes")
        .order_by("session__starts_at", "pk")
    )


def sessions_state(sessions: QuerySet, *, kind: str, now: datetime) -> FeedState:
    """The validators of a public feed, in one aggregate query."""
    values = sessions.order_by().aggregate(
        sessions=Count("pk", distinct=True),
        **{path: Max(path) for path in _SESSION_CHANGES},
    )
    return FeedState.of(kind, values, now=now)


def trainer_state(sessions: QuerySet, *, kind: str, now: datetime) -> FeedState:
    """The validators of a trainer feed, booked numbers included, in one aggregate query."""
    booked = {
        f"{status}_bookings": Count("bookings", filter=Q(bookings__status=status), distinct=True)
        for status in Booking.Status.values
    }
    values = sessions.order_by().aggregate(
        sessions=Count("pk", distinct=True),
        **booked,
        **{path: Max(path) for path in _SESSION_CHANGES},
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
        **{f"session__{path}": Max(f"session__{path}") for path in _SESSION_CHANGES},
    )
    return FeedState.of(kind, values, now=now)


def single_session_state(session: Session, *, now: datetime) -> FeedState:
    """The validators of one session's download, from a session loaded for the calendar."""
    values = {
        "session": session.pk,
        "updated_at": session.updated_at,
        "event": session.event.updated_at,
        "programme": session.event.programme.updated_at,
        "venue": session.venue.updated_at if session.venue else None,
        "themes": max((theme.updated_at for theme in session.event.themes.all()), default=None),
    }
    return FeedState.of("session", values, now=now)
