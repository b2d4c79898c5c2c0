"""The register on a phone-sized screen in Chromium: marking with and without JavaScript."""

import re

import pytest
from django.test import Client

from tests.browser import CHROMIUM, launch_chromium, require
from tests.factories import UserFactory, book_three_days_before

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
]


@pytest.fixture
def phone(django_db_setup, live_server, trainer, past_session):
    """A 390 x 844 browser signed in as the session's trainer, and a way to open the register.

    ``django_db_setup`` comes first so the test database outlives the live server at the end
    of the run. The test itself must not touch the database: inside Playwright's event loop
    Django would open a second connection that is never closed. The page is the evidence.
    """
    require([] if CHROMIUM.exists() else [f"Chromium at {CHROMIUM}"])
    playwright_api = pytest.importorskip("playwright.sync_api")
    people = [UserFactory(full_name=name) for name in ("Ann Abbot", "Ben Barker")]
    bookings = [book_three_days_before(past_session, person) for person in people]
    client = Client()
    client.force_login(trainer)
    cookie = client.cookies["sessionid"].value

    def open_register(*, javascript: bool):
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, java_script_enabled=javascript
        )
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/trainer/sessions/{past_session.pk}/")
        return page

    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield open_register, bookings
        browser.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_trainer_marks_attendance_on_a_phone(phone, javascript):
    open_register, bookings = phone
    page = open_register(javascript=javascript)
    card = page.locator(f"#booking-{bookings[1].pk}")
    requests = []
    page.on("request", lambda request: requests.append(request.resource_type))

    # GOV.UK Frontend pads visually hidden text with spaces: "Attended : Ben Barker" once styled.
    card.get_by_role("button", name=re.compile(r"^Attended ?: Ben Barker$")).click()

    card.get_by_text("Attended by Terry Trainer").wait_for()
    assert card.locator(".govuk-tag").inner_text() == "Attended"
    assert page.locator(f"#booking-{bookings[0].pk} .govuk-tag").inner_text() == "Not marked"
    # With JavaScript the page stays put and only fetches; without, it posts and reloads.
    assert ("document" not in requests) is javascript
    # The confirmation appears once, in the box that marking in place replaces.
    assert page.get_by_text("Ben Barker: attended.").count() == 1
    assert page.locator("#register-messages").inner_text().endswith("Ben Barker: attended.")
    page.reload()
    assert page.locator(f"#booking-{bookings[1].pk} .govuk-tag").inner_text() == "Attended"
    assert page.get_by_text("Ben Barker: attended.").count() == 0
