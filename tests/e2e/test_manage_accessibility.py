"""axe-core on every Manage page (error states and the change preview included), no
horizontal scrolling at 320 px, keyboard use, and the reports page at 1,100 px."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.models import Booking
from events.models import Session
from tests.e2e.helpers import axe_violations, has_horizontal_scroll, sign_in
from tests.factories import (
    CoordinatorFactory,
    EventFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)
from webhooks.models import Attempt, Delivery, Endpoint, Message

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
]


@pytest.fixture
def world():
    programme = ProgrammeFactory(title="Multi-agency training with a long programme title")
    event = EventFactory(
        title="Recognising and responding to child sexual abuse", programme=programme
    )
    session = SessionFactory(
        event=event,
        capacity=2,
        join_url="https://meet.example.org/a-very-long-joining-link-for-the-session",
    )
    past = SessionFactory(
        event=event,
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    people = [
        UserFactory(
            full_name=name, email=f"{name.split()[0].lower()}.a-rather-long-address@example.org"
        )
        for name in ("Ann Able", "Ben Baker", "Cat Cole", "Dan Dale")
    ]
    services.book_session(
        session, person=people[0], access_needs="Step-free access and a hearing loop"
    )
    services.book_session(session, person=people[1])
    services.book_session(session, person=people[2])
    late = services.book_session(session, person=people[3])
    services.cancel_booking(late, by=people[3], now=session.starts_at - timedelta(hours=1))
    confirmed = Booking.objects.get(person=people[0])
    offering = SessionFactory(
        event=event,
        capacity=1,
        promotion=Session.Promotion.OFFER,
        sector_quotas=[{"sector": "police", "places": 1}],
    )
    holder = services.book_session(offering, person=UserFactory())
    services.book_session(offering, person=UserFactory(full_name="Eve Example"))
    services.cancel_booking(holder, by=holder.person)
    # Integrations and workflow: a pending approval, a webhook endpoint with a failed attempt.
    approving = SessionFactory(event__requires_approval=True, starts_at=session.starts_at)
    services.book_session(
        approving, person=UserFactory(full_name="Fay Field"), manager_email="m@example.org"
    )
    endpoint = Endpoint.objects.create(
        url="https://hr.example.org/a-rather-long-path/convene/webhooks",
        events=["booking.created", "booking.cancelled"],
        secret="whsec_x",
    )
    message = Message.objects.create(
        webhook_id="msg_1", type="booking.created", body="{}", ordering_key="booking-1"
    )
    delivery = Delivery.objects.create(message=message, endpoint=endpoint, ordering_key="b-1")
    Attempt.objects.create(
        delivery=delivery, number=1, attempted_at=timezone.now(), error="Timed out."
    )
    return {
        "offering": offering,
        "programme": programme,
        "event": event,
        "session": session,
        "past": past,
        "confirmed": confirmed,
    }


def manage_pages(world) -> dict[str, str]:
    session, programme = world["session"], world["programme"]

    def url(name, *args):
        return reverse(f"manage:{name}", args=args)

    return {
        "home": url("home"),
        "past sessions": url("home") + "?show=past",
        "session": url("session", session.pk),
        "past session": url("session", world["past"].pk),
        "add a session": url("session_create"),
        "change a session": url("session_edit", session.pk),
        "capacity": url("session_capacity", session.pk),
        "cancel session": url("session_cancel", session.pk),
        "duplicate session": url("session_duplicate", session.pk),
        "message": url("session_message", session.pk),
        "book someone in": url("book_someone_in", session.pk),
        "find someone": url("book_someone_in", session.pk) + "?q=cole",
        "pass a place on": url("booking_transfer", world["confirmed"].pk),
        "cancel a place": url("booking_cancel", world["confirmed"].pk),
        "trainers": url("session_trainers", session.pk),
        "offers and reserved places": url("session_allocation", session.pk),
        "session with offers and quotas": url("session", world["offering"].pk),
        "programmes": url("programmes"),
        "programme": url("programme", programme.pk),
        "add a programme": url("programme_create"),
        "change a programme": url("programme_edit", programme.pk),
        "duplicate a programme": url("programme_duplicate", programme.pk),
        "add a course": url("event_create"),
        "change a course": url("event_edit", world["event"].pk),
        "venues": url("venues"),
        "waiting for approval": url("approvals"),
        "webhooks": url("webhooks"),
        "add a venue": url("venue_create"),
        "themes": url("themes"),
        "add a theme": url("theme_create"),
        "reports": reverse("staff:reports"),
    }


def error_states(page, site, world):
    """Pages reached by submitting forms: each yields its name once the page is shown."""
    session = world["session"]
    page.goto(site + reverse("manage:session_create"))
    page.get_by_role("button", name="Add the session").click()
    page.locator(".govuk-error-summary").wait_for()  # the answer page has loaded
    yield "add a session with errors"
    page.goto(site + reverse("manage:session_capacity", args=[session.pk]))
    page.get_by_label("Capacity").fill("1")
    page.get_by_role("button", name="Change capacity").click()
    page.locator(".govuk-error-summary").wait_for()  # the answer page has loaded
    yield "capacity cut refused"
    page.goto(site + reverse("manage:session_allocation", args=[session.pk]))
    page.get_by_label("Police").fill("5")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("There is a problem").wait_for()
    yield "reserved places refused"
    page.goto(site + reverse("manage:book_someone_in", args=[session.pk]))
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Book in", exact=True).click()
    page.locator(".govuk-error-summary").wait_for()  # the answer page has loaded
    yield "book someone in with an error"
    page.goto(site + reverse("manage:session_edit", args=[session.pk]))
    page.get_by_role("group", name="Starts", exact=True).get_by_label("Day").fill(
        str((timezone.localtime(session.starts_at) + timedelta(days=1)).day)
    )
    page.get_by_role("group", name="Ends", exact=True).get_by_label("Day").fill(
        str((timezone.localtime(session.ends_at) + timedelta(days=1)).day)
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check what people will be told").wait_for()
    yield "change preview"


def test_every_manage_page_has_no_axe_violations(site, new_page, world):
    page = new_page()
    sign_in(page, site, CoordinatorFactory(), next_url="/manage/")
    found = {}
    for name, path in manage_pages(world).items():
        page.goto(site + path)
        assert "Not found" not in page.title(), name
        if violations := axe_violations(page):
            found[name] = violations
    for name in error_states(page, site, world):
        if violations := axe_violations(page):
            found[name] = violations

    assert found == {}
    assert page.errors == []


def test_no_manage_page_scrolls_sideways_at_320_pixels(site, new_page, world):
    page = new_page(width=320, height=640)
    sign_in(page, site, CoordinatorFactory(), next_url="/manage/")
    wide = []
    for name, path in manage_pages(world).items():
        page.goto(site + path)
        if has_horizontal_scroll(page):
            wide.append(name)
    for name in error_states(page, site, world):
        if has_horizontal_scroll(page):
            wide.append(name)

    assert wide == [], ", ".join(wide)


def test_reports_fit_at_1100_pixels(site, new_page, world):
    page = new_page(width=1100, height=800)
    sign_in(page, site, CoordinatorFactory(), next_url=reverse("staff:reports"))
    page.goto(site + reverse("staff:reports"))

    assert not has_horizontal_scroll(page)
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter((el) =>
            el.getBoundingClientRect().right > document.documentElement.clientWidth
        ).map((el) => el.tagName + '.' + el.className)"""
    )
    assert overflowing == []
    tables_scroll = page.evaluate(
        """() => [...document.querySelectorAll('.app-table-scroll')].map(
            (region) => region.scrollWidth > region.clientWidth)"""
    )
    assert tables_scroll
    assert not any(tables_scroll)


def test_book_someone_in_by_keyboard_only(site, new_page, world):
    page = new_page()
    sign_in(page, site, CoordinatorFactory(), next_url="/manage/")
    page.goto(site + reverse("manage:session", args=[world["session"].pk]))

    page.get_by_role("link", name="Book someone in").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Email address").focus()
    page.keyboard.type("keyboard.user@example.org")
    page.keyboard.press("Enter")  # submits the form, as a plain form does

    page.locator(".govuk-notification-banner__heading").wait_for()
    assert Booking.objects.filter(person__email="keyboard.user@example.org").exists()


def test_wide_tables_scroll_in_a_labelled_focusable_region(site, new_page, world):
    page = new_page(width=320, height=640)
    sign_in(page, site, CoordinatorFactory(), next_url="/manage/")
    page.goto(site + reverse("manage:session", args=[world["session"].pk]))

    regions = page.locator(".app-table-scroll")
    assert regions.count() >= 3
    for index in range(regions.count()):
        region = regions.nth(index)
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-labelledby")
