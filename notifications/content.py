"""Render what a message says: subject, plain text, HTML and the calendar invitation.

Rendering happens once, when a message is queued; the outbox row keeps the result so every
attempt sends the same thing and coordinators can read what was sent. These functions query
nothing beyond what they are given (bookings with session, event, venue and person loaded),
except the waitlist position for the waitlist message.
"""

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking
from booking.queries import waitlist_position
from events.calendar import LONDON_TZID, invitation, session_url
from events.models import Session
from notifications.kinds import Kind

# The changes a person is told about, in the order they are listed, with plain-English labels.
CHANGE_LABELS = {
    "starts_at": "Start",
    "ends_at": "End",
    "venue": "Venue",
    "delivery": "How it runs",
    "join_url": "Joining link",
}

SUBJECTS = {
    Kind.BOOKING_CONFIRMED: "Booking confirmed: {title}, {day}",
    Kind.BOOKING_WAITLISTED: "You are on the waitlist: {title}, {day}",
    Kind.BOOKING_PROMOTED: "You have a place: {title}, {day}",
    Kind.BOOKING_CANCELLED: "Booking cancelled: {title}, {day}",
    Kind.SESSION_CHANGED: "Session changed: {title}, {day}",
    Kind.SESSION_CANCELLED: "Session cancelled: {title}, {day}",
    Kind.REMINDER: "Reminder: {title}, {day}",
}


@dataclass(frozen=True)
class Content:
    subject: str
    body_text: str
    body_html: str
    calendar_method: str = ""
    calendar: str = ""


def one_line(value: str) -> str:
    """Collapse every run of whitespace, CR and LF included, into one space.

    Names and titles end up in headers (To, Subject); a line break there would let someone
    add headers of their own, so it never survives.
    """
    return " ".join(str(value).split())


def london(value):
    return timezone.localtime(value, ZoneInfo(LONDON_TZID))


def when_text(session: Session) -> str:
    """'Monday 12 July 2021, 12:00 to 14:30 (UK time)'; a session over midnight names both days."""
    start, end = london(session.starts_at), london(session.ends_at)
    if start.date() == end.date():
        return f"{start:%A %-d %B %Y}, {start:%H:%M} to {end:%H:%M} (UK time)"
    return f"{start:%A %-d %B %Y, %H:%M} to {end:%A %-d %B %Y, %H:%M} (UK time)"


def where_text(session: Session) -> str:
    return "Online" if session.delivery == Session.Delivery.ONLINE else session.location_text


def describe_changes(changes: dict, *, show_join_url: bool) -> list[dict]:
    """Turn the booking rules' {field: (old, new)} into labelled rows, hiding links if needed.

    A joining link is private to confirmed attendees: others are told it changed, not what to.
    """
    rows = []
    for name, label in CHANGE_LABELS.items():
        if name not in changes:
            continue
        old, new = changes[name]
        if name == "delivery":
            old, new = _delivery_label(old), _delivery_label(new)
        if name == "join_url" and not show_join_url:
            old, new = "", "A new joining link has been set."
        rows.append({"label": label, "old": one_line(old), "new": one_line(new)})
    return rows


def _delivery_label(value: str) -> str:
    try:
        return Session.Delivery(value).label
    except ValueError:
        return value


def booking_content(booking: Booking, *, kind: str, changes=None, reason: str = "") -> Content:
    """The message for one person about their booking; an invitation when the place is theirs.

    Needs ``booking.person`` and ``booking.session`` (with event, venue, event themes) loaded.
    """
    session = booking.session
    confirmed_place = booking.status == Booking.Status.CONFIRMED and not session.is_cancelled
    # A booking that was ever confirmed has an event in the person's calendar to remove.
    had_place = booking.confirmed_at is not None
    context = _common_context() | {
        "kind": kind,
        "name": one_line(booking.person.full_name) or "there",
        "booking": booking,
        "session": session,
        "title": one_line(session.event.title),
        "when": when_text(session),
        "where": where_text(session),
        "is_online": session.is_online,
        "venue": session.venue if session.delivery != Session.Delivery.ONLINE else None,
        "join_url": session.join_url if confirmed_place else "",
        "session_url": session_url(session),
        "confirmed": confirmed_place,
        "waitlisted": booking.status == Booking.Status.WAITLISTED,
        "late_cancellation": booking.late_cancellation,
        "cancelled_by_someone_else": (
            booking.cancelled_by_id is not None and booking.cancelled_by_id != booking.person_id
        ),
        "changes": describe_changes(changes or {}, show_join_url=confirmed_place),
        "reason": reason.strip(),
        "waitlist_position": (
            waitlist_position(booking) if kind == Kind.BOOKING_WAITLISTED else None
        ),
    }
    subject = SUBJECTS[kind].format(
        title=context["title"], day=f"{london(session.starts_at):%A %-d %B}"
    )
    method, ics = "", ""
    wants_invitation = confirmed_place or (
        had_place and kind in (Kind.BOOKING_CANCELLED, Kind.SESSION_CANCELLED)
    )
    if wants_invitation:
        method, ics_bytes = invitation(booking)
        ics = ics_bytes.decode()
    context["calendar_method"] = method
    return _render(kind, context, subject=subject, calendar_method=method, calendar=ics)


def sign_in_content(*, user, link: str) -> Content:
    context = _common_context() | {
        "kind": Kind.SIGN_IN_LINK,
        "name": one_line(user.full_name) or "there",
        "link": link,
    }
    subject = f"Your sign-in link for {settings.SITE_NAME}"
    return _render(Kind.SIGN_IN_LINK, context, subject=subject)


def _common_context() -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "sessions_url": f"{settings.SITE_URL}{reverse('events:session_list')}",
        "PARTNERSHIP_NAME": settings.PARTNERSHIP_NAME,
        "PARTNERSHIP_EMAIL": settings.PARTNERSHIP_EMAIL,
    }


def _render(kind: str, context: dict, *, subject: str, **calendar) -> Content:
    context["subject"] = one_line(subject)
    text = render_to_string(f"email/{kind}.txt", context)
    html = render_to_string(f"email/{kind}.html", context)
    return Content(
        subject=context["subject"], body_text=_tidy_text(text), body_html=html, **calendar
    )


def _tidy_text(text: str) -> str:
    """Drop the blank lines and trailing spaces that template tags leave in plain text."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
