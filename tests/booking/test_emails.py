"""Booking messages end to end through a real SMTP server: the booking rules → outbox → task →
SMTP → parsed."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from booking.models import Booking
from booking.services import cancel_booking, cancel_session, update_session
from events.models import Session
from notifications.models import Notification
from tests.conftest import BOOKED_ON
from tests.factories import CoordinatorFactory, SessionFactory, UserFactory, local
from tests.smtp import assert_no_template_leftovers, calendar_of, parts, vevent_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def uid_of(booking) -> str:
    return f"booking-{booking.ical_uid}@{settings.SITE_DOMAIN}"


def test_booking_confirmed_sends_both_parts_and_a_request_invitation(
    smtp, book_and_send, week_session
):
    person = UserFactory(full_name="Sam Example", email="sam@example.org")

    booking = book_and_send(week_session, person)

    assert [envelope.rcpt_tos for envelope in smtp.inbox.envelopes] == [["sam@example.org"]]
    message = smtp.messages[0]
    assert message["Subject"] == "Booking confirmed: Voice of the Child, Monday 12 July"
    assert message["To"] == "Sam Example <sam@example.org>"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["Reply-To"] == settings.PARTNERSHIP_EMAIL
    assert message["Auto-Submitted"] == "auto-generated"
    assert_no_template_leftovers(message)
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    assert "Monday 12 July 2021, 12:00 to 14:30 (UK time)" in text
    assert "Monday 12 July 2021, 12:00 to 14:30 (UK time)" in html
    assert "Where: County Hall, Aykley Heads, Durham, DH1 5UL" in text
    assert "<h1>Your place is confirmed</h1>" in html
    assert "<h2>Session details</h2>" in html
    assert f"email {settings.PARTNERSHIP_EMAIL}" in text
    booking_url = f"{settings.SITE_URL}/bookings/{booking.pk}/"
    assert f"Open your booking ({booking_url}), sign in if asked and choose" in text
    assert f'Open <a href="{booking_url}">your booking</a>' in html

    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_param("charset") == "utf-8"
    assert calendar_part.get_content_disposition() is None
    raw = smtp.inbox.envelopes[0].content.decode()
    assert 'Content-Type: text/calendar; method=REQUEST; charset="utf-8"' in raw
    assert 'Content-Type: application/ics; name="invite.ics"' in raw
    assert message.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in message.get_payload()[0].get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content().decode() == parts(message)["text/calendar"]

    calendar = calendar_of(message)
    assert calendar["METHOD"] == "REQUEST"
    event = vevent_of(message)
    assert str(event["UID"]) == uid_of(booking)
    assert event["SEQUENCE"] == 0
    start = event.decoded("DTSTART")
    assert start == datetime(2021, 7, 12, 12, tzinfo=ZoneInfo("Europe/London"))
    assert start.tzinfo.key == "Europe/London"
    assert start.astimezone(UTC) == datetime(2021, 7, 12, 11, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert str(event["ORGANIZER"]) == f"mailto:{settings.PARTNERSHIP_EMAIL}"
    assert str(event["ATTENDEE"]) == "mailto:sam@example.org"
    assert [c["TZID"] for c in calendar.walk("VTIMEZONE")] == ["Europe/London"]

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("sent", 1)
    assert notification.message_id == message["Message-ID"]
    assert notification.dedupe_key == f"booking_confirmed:booking-{booking.pk}:seq-0"


def test_flow_book_move_then_cancel_updates_the_same_calendar_event(
    smtp, book_and_send, week_session, django_capture_on_commit_callbacks
):
    coordinator = CoordinatorFactory()
    booking = book_and_send(week_session)

    with django_capture_on_commit_callbacks(execute=True):
        update_session(
            week_session,
            by=coordinator,
            starts_at=local(2021, 7, 12, 13),
            ends_at=local(2021, 7, 12, 15, 30),
        )
    with django_capture_on_commit_callbacks(execute=True):
        cancel_session(week_session, by=coordinator, reason="The trainer is ill.", now=BOOKED_ON)

    _, moved, cancelled = smtp.messages
    assert [m["Subject"] for m in smtp.messages] == [
        "Booking confirmed: Voice of the Child, Monday 12 July",
        "Session changed: Voice of the Child, Monday 12 July",
        "Session cancelled: Voice of the Child, Monday 12 July",
    ]
    assert [calendar_of(m)["METHOD"] for m in smtp.messages] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [str(vevent_of(m)["UID"]) for m in smtp.messages] == [uid_of(booking)] * 3
    assert [vevent_of(m)["SEQUENCE"] for m in smtp.messages] == [0, 1, 2]
    assert vevent_of(moved).decoded("DTSTART").astimezone(UTC) == datetime(
        2021, 7, 12, 12, tzinfo=UTC
    )
    assert str(vevent_of(cancelled)["STATUS"]) == "CANCELLED"
    moved_text = parts(moved)["text/plain"]
    assert "Start: was Monday 12 July 2021, 12:00, now Monday 12 July 2021, 13:00" in moved_text
    assert "End: was Monday 12 July 2021, 14:30, now Monday 12 July 2021, 15:30" in moved_text
    assert '<th scope="row">Start</th>' in parts(moved)["text/html"]
    assert "The trainer is ill." in parts(cancelled)["text/plain"]
    for message in smtp.messages:
        assert_no_template_leftovers(message)
    assert [n.calendar_sequence for n in Notification.objects.order_by("pk")] == [0, 1, 2]


def test_waitlisted_person_gets_no_invitation_and_no_joining_link(
    smtp, book_and_send, django_capture_on_commit_callbacks
):
    session = SessionFactory(
        starts_at=local(2021, 7, 13, 12),
        ends_at=local(2021, 7, 13, 14, 30),
        capacity=1,
        delivery=Session.Delivery.ONLINE,
        venue=None,
        join_url="https://meet.example.org/voice-of-the-child",
        event__title="Voice of the Child online",
    )
    book_and_send(session)
    waiting = book_and_send(session)

    with django_capture_on_commit_callbacks(execute=True):
        update_session(
            session,
            by=CoordinatorFactory(),
            join_url="https://meet.example.org/new-room",
        )

    confirmed, waitlisted, changed_confirmed, changed_waitlisted = smtp.messages
    assert waitlisted["Subject"] == (
        "You are on the waitlist: Voice of the Child online, Tuesday 13 July"
    )
    assert "text/calendar" not in parts(waitlisted)
    assert list(waitlisted.iter_attachments()) == []
    assert "you are number 1 in the queue" in parts(waitlisted)["text/plain"]
    assert (
        f"Open your booking ({settings.SITE_URL}/bookings/{waiting.pk}/), sign in if asked "
        'and choose "Leave the waitlist"' in " ".join(parts(waitlisted)["text/plain"].split())
    )
    assert "Where: Online" in parts(waitlisted)["text/plain"]
    assert "meet.example.org" not in waitlisted.as_string()
    assert (
        "Joining link: https://meet.example.org/voice-of-the-child"
        in parts(confirmed)["text/plain"]
    )
    # The change: confirmed people get the new link and a REQUEST; waitlisted people neither.
    assert calendar_of(changed_confirmed)["METHOD"] == "REQUEST"
    assert vevent_of(changed_confirmed)["SEQUENCE"] == 1
    assert "https://meet.example.org/new-room" in parts(changed_confirmed)["text/plain"]
    assert "text/calendar" not in parts(changed_waitlisted)
    assert "meet.example.org" not in changed_waitlisted.as_string()
    assert (
        "Joining link: A new joining link has been set." in parts(changed_waitlisted)["text/plain"]
    )
    assert [e.rcpt_tos for e in smtp.inbox.envelopes][2:] == [
        [Booking.objects.exclude(pk=waiting.pk).get().person.email],
        [waiting.person.email],
    ]


def test_cancelling_a_place_sends_cancel_and_promotes_the_waitlist_with_a_request(
    smtp, book_and_send, week_session, django_capture_on_commit_callbacks
):
    first, second = book_and_send(week_session), book_and_send(week_session)
    waiting = book_and_send(week_session)
    smtp.inbox.envelopes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(first, by=first.person, now=BOOKED_ON)

    cancelled, promoted = smtp.messages
    assert cancelled["Subject"] == "Booking cancelled: Voice of the Child, Monday 12 July"
    assert calendar_of(cancelled)["METHOD"] == "CANCEL"
    assert str(vevent_of(cancelled)["UID"]) == uid_of(first)
    assert vevent_of(cancelled)["SEQUENCE"] == 1
    assert "You have cancelled your place" in parts(cancelled)["text/plain"]
    assert promoted["Subject"] == "You have a place: Voice of the Child, Monday 12 July"
    assert calendar_of(promoted)["METHOD"] == "REQUEST"
    assert str(vevent_of(promoted)["UID"]) == uid_of(waiting)
    assert smtp.inbox.envelopes[1].rcpt_tos == [waiting.person.email]
    assert second.status == "confirmed"


def test_cancelling_a_waitlist_place_sends_no_calendar_cancel(
    smtp, book_and_send, week_session, django_capture_on_commit_callbacks
):
    book_and_send(week_session), book_and_send(week_session)
    waiting = book_and_send(week_session)
    smtp.inbox.envelopes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(waiting, by=waiting.person, now=BOOKED_ON)

    (message,) = smtp.messages
    assert "text/calendar" not in parts(message)
    assert "You have cancelled your waitlist place" in parts(message)["text/plain"]


def test_newlines_in_a_name_cannot_add_headers_or_recipients(smtp, book_and_send, week_session):
    person = UserFactory(
        full_name="Eve Example\r\nBcc: victim@example.com\r\nSubject: spoof",
        email="eve@example.org",
    )

    book_and_send(week_session, person)

    (envelope,) = smtp.inbox.envelopes
    assert envelope.rcpt_tos == ["eve@example.org"]
    message = smtp.messages[0]
    assert message["Bcc"] is None
    assert message.get_all("Subject") == ["Booking confirmed: Voice of the Child, Monday 12 July"]
    assert message["To"].addresses[0].addr_spec == "eve@example.org"
    assert message["To"].addresses[0].display_name == (
        "Eve Example Bcc: victim@example.com Subject: spoof"
    )
    # In the invitation the line breaks stay inside one quoted parameter (RFC 6868 ^n).
    ics = parts(message)["text/calendar"]
    assert not any(line.startswith(("Bcc", "Subject")) for line in ics.splitlines())
    assert vevent_of(message)["ATTENDEE"].params["CN"] == (
        "Eve Example\nBcc: victim@example.com\nSubject: spoof"
    )
    assert (
        "Dear Eve Example Bcc: victim@example.com Subject: spoof," in parts(message)["text/plain"]
    )


def test_text_part_is_not_html_escaped_and_html_part_is(smtp, book_and_send):
    session = SessionFactory(
        starts_at=local(2021, 7, 14, 12),
        ends_at=local(2021, 7, 14, 14, 30),
        event__title="Risk & <Cumulative> Harm",
    )

    book_and_send(session, UserFactory(full_name="Jo O'Neill"))

    message = smtp.messages[0]
    assert "Risk & <Cumulative> Harm" in parts(message)["text/plain"]
    assert "Dear Jo O'Neill," in parts(message)["text/plain"]
    assert "Risk &amp; &lt;Cumulative&gt; Harm" in parts(message)["text/html"]
    assert message["Subject"] == "Booking confirmed: Risk & <Cumulative> Harm, Wednesday 14 July"


def test_session_in_winter_is_at_gmt(smtp, book_and_send):
    session = SessionFactory(
        starts_at=local(2022, 1, 10, 12), ends_at=local(2022, 1, 10, 14), capacity=5
    )

    book_and_send(session)

    event = vevent_of(smtp.messages[0])
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2022, 1, 10, 12, tzinfo=UTC)
    assert (
        "Monday 10 January 2022, 12:00 to 14:00 (UK time)" in parts(smtp.messages[0])["text/plain"]
    )
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)
