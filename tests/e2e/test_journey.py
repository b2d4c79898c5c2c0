"""The whole practitioner journey in a real browser, with JavaScript on and off."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from booking import services
from booking.models import Booking
from tests.e2e.helpers import sign_in, sign_in_link_from_outbox
from tests.factories import (
    EventFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    next_week_at,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # Sign-in links are sent as soon as the form is posted, into mail.outbox.
    pytest.mark.usefixtures("tasks_run_at_once"),
]

NEWCOMER = "jordan.lee@example.org"


@pytest.fixture
def catalogue():
    week = ProgrammeFactory(slug="awareness-week", title="Safeguarding Awareness Week")
    open_session = SessionFactory(
        event=EventFactory(title="Spotting cumulative harm", programme=week), capacity=5
    )
    full_session = SessionFactory(  # in the afternoon: booking both is no clash
        event=EventFactory(title="Hearing the voice of the child", programme=week),
        capacity=1,
        starts_at=next_week_at(15),
    )
    holder = UserFactory(full_name="Casey Holder")
    services.book_session(full_session, person=holder)
    return open_session, full_session, holder


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_find_sign_in_book_wait_and_be_promoted(site, new_page, catalogue, javascript):
    open_session, full_session, holder = catalogue
    page = new_page(javascript=javascript)

    # Find a session from the home page with the filters.
    page.goto(site + "/")
    page.get_by_role("link", name="Find a session").first.click()
    page.get_by_label("Programme").select_option(label="Safeguarding Awareness Week")
    page.get_by_label("Only sessions with places left").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 session", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("Spotting cumulative harm")).click()

    # Sign in by the emailed link; a first sign-in asks who you are.
    page.get_by_role("link", name="Sign in to book a place").click()
    page.get_by_label("Email address").fill(NEWCOMER)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(sign_in_link_from_outbox(NEWCOMER))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Tell us about yourself")).to_be_visible()
    page.get_by_label("Full name").fill("Jordan Lee")
    page.get_by_label("Job title").fill("Health Visitor")
    page.get_by_label("Organisation").fill("Example NHS Foundation Trust")
    page.get_by_label("Health", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()

    # Book, see the confirmation. A stale copy of the page (a second tab, or Back) that
    # submits again shows the booking already held instead of making a second one.
    expect(page.get_by_role("heading", name="Spotting cumulative harm")).to_be_visible()
    stale = page.context.new_page()
    stale.goto(page.url)
    page.get_by_label("Do you have any access needs? (optional)").fill("Hearing loop, please")
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("heading", name="Your place is booked")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this session for your calendar (.ics)").click()
    calendar = download.value.path().read_text()
    assert "BEGIN:VEVENT" in calendar
    assert "SUMMARY:Spotting cumulative harm" in calendar
    stale.get_by_role("button", name="Book a place").click()
    expect(stale.get_by_text("You already have a booking for this session.")).to_be_visible()
    expect(stale.get_by_role("heading", name="Your place is booked")).to_be_visible()
    stale.close()
    jordan = User.objects.get(email=NEWCOMER)
    assert Booking.objects.filter(person=jordan, session=open_session).count() == 1

    # The full session offers its waitlist; a double click joins it once.
    page.goto(site + full_session.get_absolute_url())
    page.get_by_role("button", name="Join the waitlist").dblclick()
    expect(page.get_by_role("heading", name="You are on the waitlist")).to_be_visible()
    expect(page.get_by_text("You are number 1 on the waitlist")).to_be_visible()
    assert Booking.objects.filter(person=jordan, session=full_session).count() == 1

    # The person holding the place cancels, with a confirmation step ...
    other = new_page(javascript=javascript)
    sign_in(other, site, holder)
    other.get_by_role("link", name=re.compile("Hearing the voice of the child")).click()
    other.get_by_role("link", name="Cancel my place").click()
    heading = "Are you sure you want to cancel your place?"
    expect(other.get_by_role("heading", name=heading)).to_be_visible()
    other.get_by_role("button", name="Yes, cancel my place").click()
    cancelled = "Your booking for Hearing the voice of the child is cancelled."
    expect(other.get_by_text(cancelled)).to_be_visible()

    # ... and the waiting person's booking has become a place.
    page.goto(site + "/bookings/")
    item = page.get_by_role("listitem").filter(has_text="Hearing the voice of the child")
    expect(item.get_by_text("Booked", exact=True)).to_be_visible()
    item.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Your place is booked")).to_be_visible()

    assert page.errors == []
    assert other.errors == []


def test_book_with_the_keyboard_only(site, new_page, person):
    session = SessionFactory(event=EventFactory(title="Keyboard course"))
    page = new_page()
    sign_in(page, site, person, next_url=session.get_absolute_url())

    # The first Tab reaches the skip link; keep tabbing until the booking button has focus.
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent.trim()")
        if focused == "Book a place":
            break
    else:
        pytest.fail("Tab never reached the Book a place button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your place is booked")).to_be_visible()
    assert Booking.objects.get(person=person).status == Booking.Status.CONFIRMED
