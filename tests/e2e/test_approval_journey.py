"""The line-manager approval journey in a real browser: request, the manager's email link (a
page whose buttons POST), approval, and the practitioner's place."""

import re
from email.utils import parseaddr

import pytest
from django.core import mail
from playwright.sync_api import expect

from booking.models import Booking
from tests.e2e.helpers import axe_violations, has_horizontal_scroll, sign_in
from tests.factories import EventFactory, SessionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
]

MANAGER = "morgan.manager@example.org"


def approval_link_from_outbox() -> str:
    message = [m for m in mail.outbox if parseaddr(m.to[0])[1] == MANAGER][-1]
    return re.search(r"https?://\S+/approvals/\S+/", message.body).group(0)


def test_request_approve_and_get_a_place(site, new_page, person):
    session = SessionFactory(
        event=EventFactory(title="Court skills for practitioners", requires_approval=True),
        capacity=3,
    )
    page = new_page()
    sign_in(page, site, person, next_url=session.get_absolute_url())

    page.get_by_label("Your line manager's email address").fill(MANAGER)
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("heading", name="Waiting for your manager's approval")).to_be_visible()
    assert Booking.objects.get().status == "pending_approval"

    # The manager opens the emailed link (no account): opening it decides nothing.
    manager = new_page(width=320)
    manager.goto(approval_link_from_outbox())
    expect(
        manager.get_by_role("heading", name="Approve or decline a training booking")
    ).to_be_visible()
    assert Booking.objects.get().status == "pending_approval"
    assert axe_violations(manager) == []
    assert not has_horizontal_scroll(manager)
    manager.get_by_role("button", name="Approve").click()
    expect(manager.get_by_role("heading", name="This booking was approved")).to_be_visible()
    assert axe_violations(manager) == []

    # The practitioner has a place, and was told.
    page.goto(site + "/bookings/")
    item = page.get_by_role("listitem").filter(has_text="Court skills for practitioners")
    expect(item.get_by_text("Booked", exact=True)).to_be_visible()
    assert any(
        parseaddr(m.to[0])[1] == person.email and m.subject.startswith("Booking confirmed")
        for m in mail.outbox
    )
    assert page.errors == []
    assert manager.errors == []


def test_the_manager_can_decline_with_the_keyboard(site, new_page, person):
    session = SessionFactory(event=EventFactory(title="Appraisal skills", requires_approval=True))
    page = new_page()
    sign_in(page, site, person, next_url=session.get_absolute_url())
    page.get_by_label("Your line manager's email address").fill(MANAGER)
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("heading", name="Waiting for your manager's approval")).to_be_visible()

    manager = new_page(javascript=False)
    manager.goto(approval_link_from_outbox())
    manager.get_by_role("button", name="Decline").focus()
    manager.keyboard.press("Enter")
    expect(manager.get_by_role("heading", name="This booking was declined")).to_be_visible()
    assert Booking.objects.get().status == "cancelled"
