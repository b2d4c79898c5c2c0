"""axe-core on every page type, error states included, and a 320 px wide screen.

Zero violations at the WCAG 2.2 A and AA tags (wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.offer_links import offer_token
from events.interest import remove_token
from events.models import Session
from events.services import register_interest
from tests.e2e.helpers import axe_violations, has_horizontal_scroll, sign_in
from tests.factories import (
    EventFactory,
    ProgrammeFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    VenueFactory,
    next_week_at,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # Sign-in links are sent as soon as the form is posted, into mail.outbox.
    pytest.mark.usefixtures("tasks_run_at_once"),
]


@pytest.fixture
def world(person):
    """A small catalogue with one of each kind of session, and bookings for `person`."""
    programme = ProgrammeFactory(slug="awareness-week", title="Safeguarding Awareness Week")
    theme = ThemeFactory(slug="voice", title="Voice of the Child")
    event = EventFactory(
        slug="voice-of-the-child",
        title="Hearing the voice of the child",
        programme=programme,
        description="Case discussion with colleagues from every agency.",
        audience="Everyone who works with children.",
        learning_outcomes="Recognise the signs\nShare information",
    )
    event.themes.add(theme)
    venue = VenueFactory(accessibility="Step-free access and a hearing loop.")
    open_session = SessionFactory(event=event, venue=venue, capacity=5)
    online = SessionFactory(
        event=EventFactory(title="Spotting cumulative harm", programme=programme),
        delivery=Session.Delivery.ONLINE,
        venue=None,
        join_url="https://meet.example.org/room",
        capacity=3,
    )
    full = SessionFactory(  # in the afternoon: no clash with the online session
        event=EventFactory(title="Full course", programme=programme),
        capacity=1,
        starts_at=next_week_at(15),
    )
    services.book_session(full, person=UserFactory())
    confirmed = services.book_session(online, person=person)
    waiting = services.book_session(full, person=person)
    # A freed place offered to `person`, and a session whose last place is held for the police.
    offering = SessionFactory(  # in the morning: no clash with the person's other bookings
        event=EventFactory(title="Offered course", programme=programme),
        capacity=1,
        promotion=Session.Promotion.OFFER,
        starts_at=next_week_at(9),
    )
    holder = services.book_session(offering, person=UserFactory())
    offered = services.book_session(offering, person=person)
    services.cancel_booking(holder, by=holder.person)
    offered.refresh_from_db()
    reserved = SessionFactory(
        event=EventFactory(title="Reserved course", programme=programme),
        capacity=2,
        sector_quotas=[{"sector": "police", "places": 1}],
    )
    services.book_session(reserved, person=UserFactory())
    # Courses with no dates: one to ask about, one `person` has asked about already.
    no_dates = EventFactory(title="Course with no dates", programme=programme)
    awaited = EventFactory(title="Awaited course", programme=programme)
    interest, _ = register_interest(person=person, event=awaited)
    return {
        "no_dates": no_dates,
        "awaited": awaited,
        "interest": interest,
        "offered": offered,
        "reserved": reserved,
        "programme": programme,
        "event": event,
        "open": open_session,
        "full": full,
        "confirmed": confirmed,
        "waiting": waiting,
    }


def public_pages(world) -> dict[str, str]:
    return {
        "home": "/",
        "sessions": "/sessions/",
        "sessions filtered": "/sessions/?delivery=online&available=on",
        "sessions with an error": "/sessions/?from_date=2031-07-14&to_date=2031-07-01",
        "programme": f"/programmes/{world['programme'].slug}/",
        "event": f"/events/{world['event'].slug}/",
        "session": world["open"].get_absolute_url(),
        "full session": world["full"].get_absolute_url(),
        "sign in": "/sign-in/",
        "check your email": "/sign-in/check-your-email/",
        "expired link": "/sign-in/link/?token=not-a-token",
        "offer link (accept)": reverse(
            "booking:offer", args=[offer_token(world["offered"]), "accept"]
        ),
        "offer link (decline)": reverse(
            "booking:offer", args=[offer_token(world["offered"]), "decline"]
        ),
        "broken offer link": reverse("booking:offer", args=["not-a-token", "accept"]),
        "course with no dates": f"/events/{world['no_dates'].slug}/",
        "remove interest link": reverse(
            "events:interest_remove", args=[remove_token(world["interest"])]
        ),
        "broken remove interest link": reverse("events:interest_remove", args=["not-a-token"]),
        "session with reserved places": world["reserved"].get_absolute_url(),
        "not found": "/no-such-page/",
        "accessibility statement": "/accessibility/",
        "privacy notice": "/privacy/",
        "cookies": "/cookies/",
    }


def private_pages(world) -> dict[str, str]:
    return {
        "session booked": world["open"].get_absolute_url(),
        "my bookings": "/bookings/",
        "booking confirmed": f"/bookings/{world['confirmed'].pk}/",
        "booking waitlisted": f"/bookings/{world['waiting'].pk}/",
        "booking offered": f"/bookings/{world['offered'].pk}/",
        "session with a place held back": world["reserved"].get_absolute_url(),
        "cancel confirmation": f"/bookings/{world['confirmed'].pk}/cancel/",
        "your account": "/account/",
        "course with no dates (signed in)": f"/events/{world['no_dates'].slug}/",
        "course asked about": f"/events/{world['awaited'].slug}/",
        "your details": "/account/details/",
    }


def assert_no_violations(page, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def test_every_page_type_has_no_axe_violations(site, new_page, world, person):
    page = new_page()
    for name, path in public_pages(world).items():
        page.goto(site + path)
        assert_no_violations(page, name)

    # Error states reached by submitting forms.
    page.goto(site + "/sign-in/")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Email me a sign-in link").click()
    assert page.get_by_text("There is a problem").is_visible()
    assert_no_violations(page, "sign in with an error")

    newcomer = UserFactory(full_name="", job_title="", organisation=None)
    sign_in(page, site, newcomer)
    assert_no_violations(page, "first sign-in details")
    page.get_by_role("button", name="Save and continue").click()
    assert page.get_by_text("There is a problem").is_visible()
    assert_no_violations(page, "details with errors")

    page = new_page()
    sign_in(page, site, person)
    for name, path in private_pages(world).items():
        page.goto(site + path)
        assert_no_violations(page, name)

    # A booking refused by the rules (booking closed after the page was shown).
    page.goto(site + world["open"].get_absolute_url())
    Session.objects.filter(pk=world["open"].pk).update(
        booking_closes_at=timezone.now() - timedelta(minutes=1)
    )
    page.get_by_role("button", name="Book a place").click()
    assert page.get_by_text("Booking is not open for this session.").is_visible()
    assert_no_violations(page, "booking refused")

    assert page.errors == []


def test_no_horizontal_scrolling_at_320_pixels(site, new_page, world, person):
    page = new_page(width=320, height=640)
    wide = []
    for name, path in public_pages(world).items():
        page.goto(site + path)
        if has_horizontal_scroll(page):
            wide.append(name)
    sign_in(page, site, person)
    for name, path in private_pages(world).items():
        page.goto(site + path)
        if has_horizontal_scroll(page):
            wide.append(name)

    assert wide == []


def test_the_menu_works_at_320_pixels_with_and_without_javascript(site, new_page, world):
    for javascript in (True, False):
        page = new_page(javascript=javascript, width=320, height=640)
        page.goto(site + "/")
        if javascript:
            page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name="Sign in").click()
        assert page.url == site + "/sign-in/"


def test_axe_control_finds_a_known_violation(new_page):
    """The control case: the harness does report violations when there are some."""
    page = new_page()
    page.set_content("<html><body><main><img src='chart.png'></main></body></html>")

    assert sorted(v["id"] for v in axe_violations(page)) == [
        "document-title",
        "html-has-lang",
        "image-alt",
    ]
