"""A coordinator's day in the Manage area, in a real browser, checked against the API and the
outbox: create a session, book people in until it is full, raise capacity (the waitlist is
promoted and emailed), move it (preview, then send) and cancel it.

Also run on PostgreSQL by CI (marker ``postgres_browser``; .ci/run).
"""

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Session
from notifications.models import Notification
from tests.e2e.helpers import sign_in
from tests.factories import CoordinatorFactory, EventFactory, ProgrammeFactory, VenueFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres_browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
]

PEOPLE = ["ann.able@example.org", "ben.baker@example.org", "cat.cole@example.org"]


def fill_date(page, legend: str, moment) -> None:
    moment = timezone.localtime(moment)
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(moment.day))
    group.get_by_label("Month").fill(str(moment.month))
    group.get_by_label("Year").fill(str(moment.year))
    group.get_by_label("Time").fill(f"{moment:%H:%M}")


def starts_at(session: dict) -> datetime:
    return datetime.fromisoformat(session["starts_at"])


def banner(page):
    return page.locator(".govuk-notification-banner__heading")


def api(page, site: str, path: str) -> dict:
    response = page.request.get(f"{site}/api/v1/{path}")
    assert response.status == 200, response.text()
    return response.json()


def sent(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind, status="sent").values_list("recipient", flat=True)
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_coordinator_journey(site, new_page, javascript):
    programme = ProgrammeFactory(title="Multi-agency training", published=True)
    EventFactory(title="Child exploitation: spotting the signs", programme=programme)
    VenueFactory(name="Durham Town Hall")
    coordinator = CoordinatorFactory()
    starts = (timezone.localtime() + timedelta(days=14)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    page = new_page(javascript=javascript)
    sign_in(page, site, coordinator, next_url="/")

    # Create a session from the Manage area.
    page.get_by_role("link", name=re.compile(r"^Manage")).first.click()
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Course").select_option(label="Child exploitation: spotting the signs")
    fill_date(page, "Starts", starts)
    fill_date(page, "Ends", starts + timedelta(hours=3))
    page.get_by_label("Venue").select_option(label="Durham Town Hall")
    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Add the session").click()
    expect(banner(page)).to_contain_text("Session created")
    session_id = int(re.search(r"/sessions/(\d+)/$", page.url).group(1))
    created = api(page, site, f"sessions/{session_id}/")
    assert (created["capacity"], created["confirmed_count"]) == (2, 0)

    # Book three people in: two places, then the waitlist.
    for email in PEOPLE:
        page.get_by_role("link", name="Book someone in").click()
        page.get_by_label("Email address").fill(email)
        page.get_by_role("button", name="Book in", exact=True).click()
        expect(banner(page)).to_contain_text("is being emailed")
    expect(page.get_by_role("heading", name="Confirmed (2)")).to_be_visible()
    expect(page.get_by_role("heading", name="Waitlist (1)")).to_be_visible()
    full = api(page, site, f"sessions/{session_id}/")
    assert (full["confirmed_count"], full["waitlist_length"], full["places_left"]) == (2, 1, 0)
    assert sent("booking_confirmed") == PEOPLE[:2]
    assert sent("booking_waitlisted") == PEOPLE[2:]

    # Raise capacity: the person waiting gets the place and is emailed.
    page.get_by_role("link", name="Change capacity").click()
    page.get_by_label("Capacity").fill("3")
    page.get_by_role("button", name="Change capacity").click()
    expect(banner(page)).to_contain_text("1 person was given a place from the waitlist")
    raised = api(page, site, f"sessions/{session_id}/")
    assert (raised["capacity"], raised["confirmed_count"], raised["waitlist_length"]) == (3, 3, 0)
    assert sent("booking_promoted") == PEOPLE[2:]

    # Move it a day later: the preview shows each person's email and calendar update first.
    moved_to = starts + timedelta(days=1)
    page.get_by_role("link", name="Change or move the session").click()
    fill_date(page, "Starts", moved_to)
    fill_date(page, "Ends", moved_to + timedelta(hours=3))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check what people will be told")).to_be_visible()
    summaries = page.locator("summary").all_inner_texts()
    assert sorted(text.split(" (")[0] for text in summaries) == PEOPLE
    expect(page.get_by_text("Version (SEQUENCE)").first).to_be_visible()
    assert sent("session_changed") == []
    assert starts_at(api(page, site, f"sessions/{session_id}/")) == starts
    page.get_by_role("button", name="Change the session and send").click()
    expect(banner(page)).to_contain_text("Everyone booked is being told")
    moved = api(page, site, f"sessions/{session_id}/")
    assert starts_at(moved) == moved_to
    assert sent("session_changed") == PEOPLE
    changed_mail = [m for m in mail.outbox if m.subject.startswith("Session changed")]
    assert len(changed_mail) == 3
    assert all("METHOD:REQUEST" in m.message().as_string() for m in changed_mail)

    # Cancel it with a reason.
    page.get_by_role("link", name="Cancel the session").click()
    page.get_by_label("Why is the session cancelled?").fill("The trainer is unwell.")
    page.get_by_role("button", name="Cancel the session").click()
    expect(banner(page)).to_contain_text("The session is cancelled.")
    assert api(page, site, f"sessions/{session_id}/")["status"] == "cancelled"
    assert sent("session_cancelled") == PEOPLE
    cancelled_mail = [m for m in mail.outbox if m.subject.startswith("Session cancelled")]
    assert all("The trainer is unwell." in m.body for m in cancelled_mail)
    assert Session.objects.get(pk=session_id).sequence == 2
    assert page.errors == []
