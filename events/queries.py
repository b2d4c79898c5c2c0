"""Reusable reads for the calendar feeds: what each feed shows and how to tell it changed.

Every feed is read in a constant number of queries whatever its size: one aggregate for its
validators (ETag / Last-Modified), one for its rows (sessions with event, programme and venue
joined) and one for the themes of those events. The validators come from the latest
``updated_at`` of every row a feed shows, its row count and, for bookings, their status counts
and timestamps, so a change anywhere in a feed changes its ETag without building the feed.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from common.dates import add_months, local_midnight
from events.models import EvaluationQuestion, Event, Programme, Session, Theme

# How far back feeds reach, and how long a cancelled session or booking stays in them as
# STATUS:CANCELLED so that subscribed calendars remove the event they hold.
FEED_HISTORY = timedelta(days=90)

# Raise when the feed format changes, so clients holding an old ETag fetch the new format.
FEED_FORMAT = 1

# The latest change of a session as a feed shows it: its own row, its event, programme, venue
# and themes (every one of them has an auto_now ``updated_at``).
SESSION_CHANGES = (
    "updated_at",
    "event__updated_at",
    "event__programme__updated_at",
    "venue__updated_at",
    "event__themes__updated_at",
)


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
        start_of_today = local_midnight(timezone.localdate(now))
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
    return local_midnight(timezone.localdate(now) - FEED_HISTORY)


def in_window(sessions: QuerySet, *, now: datetime) -> QuerySet:
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
        sessions = sessions.with_theme(theme)
    return in_window(sessions, now=now)


def trainer_feed_sessions(user, *, now: datetime) -> QuerySet:
    """The published sessions a person is assigned to train."""
    return in_window(Session.objects.published().for_trainer(user), now=now)


def sessions_for_calendar(sessions: QuerySet) -> QuerySet:
    """Load what the calendar builder reads, in two queries."""
    return (
        sessions.select_related("event__programme", "venue")
        .prefetch_related("event__themes")
        .order_by("starts_at", "pk")
    )


def sessions_state(sessions: QuerySet, *, kind: str, now: datetime) -> FeedState:
    """The validators of a public feed, in one aggregate query."""
    values = sessions.order_by().aggregate(
        sessions=Count("pk", distinct=True),
        **{path: Max(path) for path in SESSION_CHANGES},
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


def trainer_flag(user, session=None) -> Exists:
    """Whether the user trains the session (``OuterRef("pk")`` unless given), as an expression
    to annotate as ``viewer_is_trainer`` (read by ``events.rules.is_trainer_of``)."""
    session = OuterRef("pk") if session is None else session
    return Exists(Session.trainers.through.objects.filter(session=session, user=user))


# After the session.


# The partnership's default evaluation (migration 0003 stores the same).
DEFAULT_QUESTIONS = [
    ("confidence_before", "Before the session, how confident were you in this area?", "rating"),
    ("confidence_after", "After the session, how confident are you in this area?", "rating"),
    ("usefulness", "How useful was the session for your work?", "rating"),
    ("do_differently", "What will you do differently?", "text"),
]


def evaluation_questions(event: Event | None) -> list[EvaluationQuestion]:
    """The course's own evaluation questions, or the partnership's defaults if it has none.

    A database without the defaults (emptied by hand, or by a test that flushes every table)
    gets them back here, so no evaluation is ever taken with no questions at all.
    """
    own = list(EvaluationQuestion.objects.filter(event=event)) if event else []
    if own:
        return own
    defaults = list(EvaluationQuestion.objects.filter(event__isnull=True))
    if not defaults:
        for position, (key, text, kind) in enumerate(DEFAULT_QUESTIONS, start=1):
            EvaluationQuestion.objects.get_or_create(
                event=None, key=key, defaults={"text": text, "kind": kind, "position": position}
            )
        defaults = list(EvaluationQuestion.objects.filter(event__isnull=True))
    return defaults


def refresher_due(session: Session) -> date | None:
    """When training at this session should be refreshed: the UK date of its start plus the
    course's ``refresher_months``, clamped to the month's last day; None when never."""
    months = session.event.refresher_months
    if not months:
        return None
    return add_months(timezone.localdate(session.starts_at), months)
