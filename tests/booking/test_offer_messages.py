"""What offers tell people, end to end through a real SMTP server, and the personal feed."""

import re
from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from booking import services
from booking.models import Booking
from booking.offer_links import booking_for_offer_token, offer_token
from events.models import Session
from tests.factories import SessionFactory, UserFactory, local
from tests.smtp import assert_no_template_leftovers, calendar_of, parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

# Monday 12 July 2021 at midday, UK time (BST); the place is freed on Monday 5 July, 09:30.
STARTS = local(2021, 7, 12, 12)
FREED = local(2021, 7, 5, 9, 30)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a booking service and what it does on commit (messages written and sent)."""

    def call(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(*args, **kwargs)

    return call


@pytest.fixture
def offered(run, smtp):
    session = SessionFactory(
        capacity=1,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2, minutes=30),
        event__title="Voice of the Child",
        promotion=Session.Promotion.OFFER,
        offer_hours=24,
    )
    holder = run(
        services.book_session, session, person=UserFactory(), now=FREED - timedelta(days=3)
    )
    person = UserFactory(full_name="Olu Example", email="olu@example.org")
    booking = run(services.book_session, session, person=person, now=FREED - timedelta(days=2))
    run(services.cancel_booking, holder, by=holder.person, now=FREED)
    smtp.inbox.envelopes.clear()
    booking.refresh_from_db()
    return booking


def sent_to(smtp, address):
    return [m for m in smtp.messages if m["To"].endswith(f"<{address}>")]


def test_offer_email_has_the_uk_deadline_and_two_links(run, smtp, db):
    session = SessionFactory(
        capacity=1,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2, minutes=30),
        event__title="Voice of the Child",
        promotion=Session.Promotion.OFFER,
    )
    holder = run(
        services.book_session, session, person=UserFactory(), now=FREED - timedelta(days=3)
    )
    waiting = run(
        services.book_session,
        session,
        person=UserFactory(full_name="Olu Example", email="olu@example.org"),
        now=FREED - timedelta(days=2),
    )

    run(services.cancel_booking, holder, by=holder.person, now=FREED)

    [message] = sent_to(smtp, "olu@example.org")[-1:]
    assert message["Subject"] == "A place is offered to you: Voice of the Child, Monday 12 July"
    assert_no_template_leftovers(message)
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    # 09:30 BST + 24 hours, in UK time (08:30 UTC).
    assert "until 09:30 on Tuesday 6 July 2021 (UK time)" in text
    assert "until <strong>09:30 on Tuesday 6 July 2021 (UK time)</strong>" in html
    waiting.refresh_from_db()
    # The token is signed with a timestamp, so read it from the email rather than make another.
    [token] = set(re.findall(r"/offers/([^/\s\"]+)/accept/", text))
    accept = settings.SITE_URL + reverse("booking:offer", args=[token, "accept"])
    decline = settings.SITE_URL + reverse("booking:offer", args=[token, "decline"])
    assert accept in text
    assert decline in text
    assert f'<a href="{accept}">Accept the place</a>' in html
    assert f'<a href="{decline}">Decline the place</a>' in html
    # No invitation until the place is accepted.
    assert "text/calendar" not in parts(message)
    assert booking_for_offer_token(token) == waiting


def test_accepting_sends_the_confirmation_with_a_request_invitation(offered, run, smtp):
    run(services.accept_offer, offered, by=offered.person, now=FREED + timedelta(hours=1))

    [message] = sent_to(smtp, "olu@example.org")
    assert message["Subject"] == "Booking confirmed: Voice of the Child, Monday 12 July"
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == f"booking-{offered.ical_uid}@{settings.SITE_DOMAIN}"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_declining_tells_the_person_and_offers_the_next(offered, run, smtp):
    nxt = run(
        services.book_session,
        offered.session,
        person=UserFactory(email="next@example.org"),
        now=FREED + timedelta(minutes=5),
    )
    smtp.inbox.envelopes.clear()

    run(services.decline_offer, offered, by=offered.person, now=FREED + timedelta(hours=1))

    [declined] = sent_to(smtp, "olu@example.org")
    assert declined["Subject"] == "You declined the place: Voice of the Child, Monday 12 July"
    assert "You have declined the place" in parts(declined)["text/plain"]
    assert "text/calendar" not in parts(declined)
    [offer] = sent_to(smtp, "next@example.org")
    assert offer["Subject"].startswith("A place is offered to you")
    nxt.refresh_from_db()
    assert nxt.status == Booking.Status.OFFERED


def test_expiry_tells_the_person(offered, run, smtp):
    run(services.allocate_places, now=offered.offer_expires_at)

    [message] = sent_to(smtp, "olu@example.org")
    assert message["Subject"] == (
        "Your offer of a place has expired: Voice of the Child, Monday 12 July"
    )
    assert "it was not accepted in time" in parts(message)["text/plain"]
    assert "text/calendar" not in parts(message)


def test_the_personal_feed_shows_an_offered_place_as_tentative(offered, client):
    with time_machine.travel(FREED + timedelta(hours=1), tick=False):
        response = client.get(reverse("calendar:personal", args=[offered.person.feed_token]))

    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "TENTATIVE"
    assert str(event["SUMMARY"]) == "Place offered: Voice of the Child"
    assert "held for you until 09:30 on Tuesday 6 July 2021 (UK time)" in str(event["DESCRIPTION"])
    assert str(event["UID"]) == f"booking-{offered.ical_uid}@{settings.SITE_DOMAIN}"


def test_a_tampered_or_foreign_token_names_no_booking(offered):
    token = offer_token(offered)

    assert booking_for_offer_token(token[:-2] + "xx") is None
    assert booking_for_offer_token("not-a-token") is None
