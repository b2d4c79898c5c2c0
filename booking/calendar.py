"""A booking's calendar event: the invitation a person is emailed and their personal feed.

Built on the session's VEVENT (``events.calendar.session_vevent``) with the booking's own UID
and SEQUENCE, so one person's cancellation never touches anyone else's calendar and a later
re-booking is a new event. Pure functions: they query nothing.
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Event, vCalAddress

from booking import rules
from events.calendar import PARAMETER_UNSAFE, new_calendar, session_vevent


def booking_uid(booking) -> str:
    return f"booking-{booking.ical_uid}@{settings.SITE_DOMAIN}"


def booking_vevent(booking, *, for_invitation: bool = False, now: datetime | None = None) -> Event:
    """The VEVENT of one person's booking, used by their invitations and personal feed.

    In the personal feed a waitlist place, an offered place (held until the person accepts) and
    a request waiting for a manager's approval are shown as tentative and free time;
    invitations are only ever sent for confirmed places, so they keep the plain
    confirmed/cancelled event.
    """
    session = booking.session
    cancelled = session.is_cancelled or booking.status == "cancelled"
    pending = not cancelled and not for_invitation
    waitlisted = pending and booking.status == "waitlisted"
    offered = pending and booking.status == "offered"
    awaiting = pending and booking.status == "pending_approval"
    details = []
    summary = None
    if not for_invitation:
        if waitlisted:
            details = ["You are on the waitlist. We will email you if a place becomes free."]
            summary = f"Waitlist: {session.event.title}"
        elif offered:
            expires = timezone.localtime(booking.offer_expires_at)
            details = [
                f"A place is held for you until {expires:%H:%M on %A %-d %B %Y} (UK time). "
                "Accept or decline it from your booking page or the offer email."
            ]
            summary = f"Place offered: {session.event.title}"
        elif awaiting:
            details = ["Waiting for your line manager's approval: you do not have a place yet."]
            summary = f"Awaiting approval: {session.event.title}"
        elif booking.status == "cancelled" and not session.is_cancelled:
            details = ["Your booking was cancelled."]
    event = session_vevent(
        session,
        uid=booking_uid(booking),
        sequence=booking.ical_sequence,
        include_join_url=rules.holder_may_see_join_url(booking),
        cancelled=cancelled,
        tentative=waitlisted or offered or awaiting,
        summary=summary,
        details=details,
        now=now,
    )
    if for_invitation:
        organiser = vCalAddress(f"mailto:{settings.PARTNERSHIP_EMAIL}")
        organiser.params["cn"] = settings.PARTNERSHIP_NAME
        event.add("organizer", organiser)
        attendee = vCalAddress(f"mailto:{booking.person.email}")
        name = PARAMETER_UNSAFE.sub("", booking.person.full_name).strip()
        attendee.params["cn"] = name or booking.person.email
        attendee.params["role"] = "REQ-PARTICIPANT"
        attendee.params["partstat"] = "DECLINED" if cancelled else "ACCEPTED"
        attendee.params["rsvp"] = "FALSE"
        event.add("attendee", attendee)
    return event


def invitation(booking, *, now: datetime | None = None) -> tuple[str, bytes]:
    """Return (method, .ics bytes) for a booking's email invitation: REQUEST or CANCEL."""
    cancelled = booking.session.is_cancelled or booking.status == "cancelled"
    method = "CANCEL" if cancelled else "REQUEST"
    calendar = new_calendar(method=method)
    calendar.add_component(booking_vevent(booking, for_invitation=True, now=now))
    return method, calendar.to_ical()


def bookings_feed(
    bookings: Iterable, *, name: str, description: str = "", now: datetime | None = None
) -> bytes:
    """A personal feed: the person's own booking UIDs, with joining links for confirmed places."""
    calendar = new_calendar(method="PUBLISH", name=name, description=description)
    for booking in bookings:
        calendar.add_component(booking_vevent(booking, now=now))
    return calendar.to_ical()


def booked_numbers(session) -> str:
    """E.g. "Booked: 18 of 20 places, 3 on the waitlist" from availability annotations."""
    line = f"Booked: {session.confirmed_count} of {session.capacity} places"
    if session.waitlist_length:
        line += f", {session.waitlist_length} on the waitlist"
    return line


def trainer_feed(
    sessions: Iterable, *, trainer, name: str, description: str = "", now: datetime | None = None
) -> bytes:
    """A trainer's private feed: session UIDs, joining links and booked numbers.

    Needs ``confirmed_count`` and ``waitlist_length`` annotated on each session
    (``booking.queries.sessions_with_availability``), and ``viewer_is_trainer``.
    """
    calendar = new_calendar(method="PUBLISH", name=name, description=description)
    for session in sessions:
        details = [] if session.is_cancelled else [booked_numbers(session)]
        include_join_url = rules.may_see_join_url(trainer, session)
        calendar.add_component(
            session_vevent(session, include_join_url=include_join_url, details=details, now=now)
        )
    return calendar.to_ical()
