"""A booking's invitation and the personal and trainer feeds (booking.calendar), built on the
session's VEVENT."""

from datetime import UTC, datetime

import icalendar
import pytest
from django.conf import settings

from booking import calendar as booking_calendar
from booking.models import Booking
from booking.queries import trainer_sessions_for_calendar
from events.models import Session
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

STAMP = datetime(2021, 1, 1, 9, 0, tzinfo=UTC)


def only_event(ics: bytes) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


def booking(session, *, status, **fields) -> Booking:
    booking = Booking.objects.create(
        session=session,
        person=UserFactory(),
        status=status,
        created_at=STAMP,
        waitlisted_at=STAMP if status == Booking.Status.WAITLISTED else None,
        **fields,
    )
    return Booking.objects.select_related("session__event__programme", "session__venue").get(
        pk=booking.pk
    )


def test_personal_feed_gives_confirmed_places_the_joining_link_and_waitlist_places_none():
    session = SessionFactory(
        delivery=Session.Delivery.ONLINE, join_url="https://meet.example.org/j"
    )
    confirmed = booking(session, status=Booking.Status.CONFIRMED, ical_sequence=2)
    waiting = booking(session, status=Booking.Status.WAITLISTED)

    feed = icalendar.Calendar.from_ical(
        booking_calendar.bookings_feed([confirmed, waiting], name="Mine", now=STAMP)
    )

    first, second = feed.walk("VEVENT")
    assert str(first["uid"]) == f"booking-{confirmed.ical_uid}@{settings.SITE_DOMAIN}"
    assert first["sequence"] == 2
    assert str(first["status"]) == "CONFIRMED"
    assert "Join online: https://meet.example.org/j" in str(first["description"])
    assert str(second["uid"]) == f"booking-{waiting.ical_uid}@{settings.SITE_DOMAIN}"
    assert str(second["status"]) == "TENTATIVE"
    assert str(second["transp"]) == "TRANSPARENT"
    assert str(second["summary"]) == f"Waitlist: {session.event.title}"
    assert "meet.example.org" not in second.to_ical().decode()


def test_invitation_is_a_request_with_organiser_attendee_and_link(settings):
    session = SessionFactory(
        delivery=Session.Delivery.HYBRID, join_url="https://meet.example.org/i"
    )
    confirmed = booking(session, status=Booking.Status.CONFIRMED)

    method, ics = booking_calendar.invitation(confirmed, now=STAMP)

    vevent = only_event(ics)
    assert method == "REQUEST"
    assert b"METHOD:REQUEST\r\n" in ics
    assert str(vevent["organizer"]) == f"mailto:{settings.PARTNERSHIP_EMAIL}"
    assert str(vevent["attendee"]) == f"mailto:{confirmed.person.email}"
    assert vevent["attendee"].params["PARTSTAT"] == "ACCEPTED"
    assert str(vevent["status"]) == "CONFIRMED"
    assert "Join online: https://meet.example.org/i" in str(vevent["description"])


def test_invitation_for_a_cancelled_booking_is_a_cancel():
    cancelled = booking(SessionFactory(), status=Booking.Status.CANCELLED, ical_sequence=1)

    method, ics = booking_calendar.invitation(cancelled, now=STAMP)

    assert method == "CANCEL"
    assert str(only_event(ics)["status"]) == "CANCELLED"
    assert only_event(ics)["sequence"] == 1


def test_trainer_feed_shows_booked_numbers_and_the_joining_link():
    session = SessionFactory(
        capacity=3, delivery=Session.Delivery.ONLINE, join_url="https://meet.example.org/t"
    )
    booking(session, status=Booking.Status.CONFIRMED)
    booking(session, status=Booking.Status.CONFIRMED)
    booking(session, status=Booking.Status.WAITLISTED)
    trainer = UserFactory()
    session.trainers.add(trainer)
    sessions = trainer_sessions_for_calendar(Session.objects.filter(pk=session.pk), trainer)

    description = str(
        only_event(booking_calendar.trainer_feed(sessions, trainer=trainer, name="T", now=STAMP))[
            "description"
        ]
    )

    assert description.endswith(
        "Join online: https://meet.example.org/t\n\nBooked: 2 of 3 places, 1 on the waitlist"
    )
