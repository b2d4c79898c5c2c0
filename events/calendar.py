"""Build iCalendar (.ics) output: one builder for feeds and email invitations.

Pure functions: they take model instances (with related rows already loaded) and return
icalendar objects or bytes; they query nothing. Times are written with ``TZID=Europe/London``
and one VTIMEZONE written as the standard RRULE pair, which every client reads the same way
(ical.js, behind Thunderbird, misreads a zone written as a list of RDATEs for later years).
"""

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vDuration,
)

LONDON_TZID = "Europe/London"
PRODID = "-//Convene//Convene booking system//EN"
# RFC 5545 parameter values cannot hold control characters and icalendar writes them through,
# after which readers drop the whole property (an ATTENDEE without its person). A backslash is
# legal there, but some readers (python-icalendar among them) take "\;" as an escape and swallow
# the next parameter. Neither belongs in a name; line breaks are kept (RFC 6868 encodes them).
PARAMETER_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\\]")


def london_vtimezone() -> Timezone:
    """Europe/London as RFC 5545 rules: BST from the last Sunday of March, GMT from October's."""
    zone = Timezone()
    zone.add("tzid", LONDON_TZID)
    zone.add("x-lic-location", LONDON_TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("tzoffsetfrom", timedelta(hours=0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("dtstart", datetime(1970, 3, 29, 1, 0, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(hours=0))
    winter.add("dtstart", datetime(1970, 10, 25, 2, 0, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


# How often subscribed clients are asked to refresh (REFRESH-INTERVAL and X-PUBLISHED-TTL).
REFRESH_INTERVAL = timedelta(hours=1)


def new_calendar(*, method: str, name: str | None = None, description: str = "") -> Calendar:
    """An empty VCALENDAR with the London zone; ``name`` makes it a subscribable feed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        if description:
            calendar.add("x-wr-caldesc", description)
        calendar.add("x-wr-timezone", LONDON_TZID)
        calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL).to_ical().decode())
    calendar.add_component(london_vtimezone())
    return calendar


def session_url(session) -> str:
    return f"{settings.SITE_URL}{session.get_absolute_url()}"


def session_vevent(
    session,
    *,
    uid: str | None = None,
    sequence: int | None = None,
    include_join_url: bool = False,
    cancelled: bool | None = None,
    tentative: bool = False,
    summary: str | None = None,
    details: Sequence[str] = (),
    now: datetime | None = None,
) -> Event:
    """The VEVENT for a session; feeds use the session's UID, invitations pass the booking's.

    ``tentative`` marks a place not yet held (a waitlist place): STATUS:TENTATIVE, shown as free.
    ``details`` are lines added to the DESCRIPTION (booked numbers, the person's status).
    Needs ``session.event``, ``session.venue`` and ``session.event.themes`` loaded (prefetched)
    to stay query-free.
    """
    london = ZoneInfo(LONDON_TZID)
    cancelled = session.is_cancelled if cancelled is None else cancelled
    url = session_url(session)
    description = [session.event.summary or session.event.title, "", f"Details: {url}"]
    if include_join_url and session.join_url and not cancelled:
        description += [f"Join online: {session.join_url}"]
    if details:
        description += ["", *details]
    if cancelled and session.cancellation_reason:
        description = [f"Cancelled: {session.cancellation_reason}", "", *description]
    status = "CANCELLED" if cancelled else ("TENTATIVE" if tentative else "CONFIRMED")

    event = Event()
    event.add("uid", uid or f"{session.uid}@{settings.SITE_DOMAIN}")
    event.add("sequence", session.sequence if sequence is None else sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(ZoneInfo("UTC")))
    event.add("dtstart", session.starts_at.astimezone(london))
    event.add("dtend", session.ends_at.astimezone(london))
    event.add("summary", summary or session.event.title)
    event.add("description", "\n".join(description))
    event.add("location", session.location_text)
    event.add("url", url)
    event.add("status", status)
    event.add("transp", "OPAQUE" if status == "CONFIRMED" else "TRANSPARENT")
    changes = [session.updated_at, session.event.updated_at]
    if session.venue is not None:
        changes.append(session.venue.updated_at)
    changes = [changed for changed in changes if changed]
    if changes:
        event.add("last-modified", max(changes).astimezone(ZoneInfo("UTC")))
    themes = [theme.title for theme in session.event.themes.all()]
    if themes:
        event.add("categories", themes)
    return event


def sessions_feed(
    sessions: Iterable, *, name: str, description: str = "", now: datetime | None = None
) -> bytes:
    """A public feed: session UIDs, never a joining link."""
    calendar = new_calendar(method="PUBLISH", name=name, description=description)
    for session in sessions:
        calendar.add_component(session_vevent(session, now=now))
    return calendar.to_ical()


def single_session(session, *, now: datetime | None = None) -> bytes:
    """A one-event download for "add to calendar" from the session page."""
    calendar = new_calendar(method="PUBLISH")
    calendar.add_component(session_vevent(session, now=now))
    return calendar.to_ical()
