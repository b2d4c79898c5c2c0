"""The whole after-the-session flow in a phone-sized browser: check in by code, evaluate,
download the certificate, see the training record with its refresher date; axe on every page
it passes, and on the trainer's register with its QR code."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from booking import rules
from booking.models import Booking, Evaluation
from booking.services import book_session
from tests.e2e.helpers import axe_violations, has_horizontal_scroll, sign_in
from tests.factories import SessionFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def running_session():
    """Started 5 minutes ago, two hours long; refreshed every 12 months."""
    now = timezone.now()
    session = SessionFactory(
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
        event__title="Hearing the voice of the child",
        event__slug="voice-of-the-child",
        event__refresher_months=12,
    )
    session.trainers.add(UserFactory(full_name="Terry Trainer", email="terry@example.com"))
    return session


def no_violations(page, name: str) -> None:
    assert axe_violations(page) == [], name


def test_check_in_evaluate_certificate_and_training_record_on_a_phone(
    site, new_page, running_session, person
):
    booking = book_session(
        running_session, person=person, now=running_session.starts_at - timedelta(days=3)
    )
    code = rules.check_in_code(running_session)
    page = new_page(**PHONE)
    sign_in(page, site, person, next_url=f"/sessions/{running_session.pk}/check-in/")

    # Check in by typing the code (a wrong one first).
    no_violations(page, "check-in")
    page.get_by_label("Check-in code").fill("AAAAAA")
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    no_violations(page, "check-in with an error")
    assert not has_horizontal_scroll(page)
    page.get_by_label("Check-in code").fill(code.lower())
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("heading", name="You are checked in")).to_be_visible()
    no_violations(page, "checked in")
    assert Booking.objects.get(pk=booking.pk).attendance == "attended"

    # Evaluate: missing answers are refused, then sent.
    page.get_by_role("link", name="Evaluate the session").click()
    no_violations(page, "evaluation")
    assert not has_horizontal_scroll(page)
    page.get_by_role("button", name="Send evaluation").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    no_violations(page, "evaluation with errors")
    for question, rating in (
        ("Before the session, how confident were you in this area?", "2"),
        ("After the session, how confident are you in this area?", "4"),
        ("How useful was the session for your work?", "5, very"),
    ):
        page.get_by_role("group", name=question).get_by_label(rating, exact=True).check()
    page.get_by_label("What will you do differently? (optional)").fill(
        "Ask the child before the adults."
    )
    page.get_by_role("button", name="Send evaluation").click()
    expect(page.get_by_text("Thank you. Your evaluation has been sent.")).to_be_visible()
    no_violations(page, "evaluation sent")
    assert Evaluation.objects.filter(booking=booking).count() == 1

    # The certificate, now unlocked.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate of attendance (PDF)").click()
    text = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    assert "Hearing the voice of the child" in text
    assert person.full_name in text

    # The training record, with its refresher date.
    page.goto(site + "/account/training-record/")
    started = timezone.localdate(running_session.starts_at)
    due = date(started.year + 1, started.month, started.day)
    expect(page.get_by_text(f"{due:%-d %B %Y}")).to_be_visible()
    expect(page.get_by_role("link", name="Download certificate")).to_be_visible()
    no_violations(page, "training record")
    assert not has_horizontal_scroll(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your training record (PDF)").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert page.errors == []


def test_register_with_its_qr_code_has_no_axe_violations(site, new_page, running_session):
    trainer = running_session.trainers.get()
    book_session(
        running_session, person=UserFactory(), now=running_session.starts_at - timedelta(days=1)
    )
    page = new_page()
    sign_in(page, site, trainer, next_url=f"/trainer/sessions/{running_session.pk}/")
    for size in ({"width": 1024, "height": 768}, {"width": 320, "height": 640}):
        page.set_viewport_size(size)
        page.reload()

        expect(page.get_by_role("img", name="QR code for checking in with code")).to_be_visible()
        no_violations(page, f"register at {size['width']} px")
        assert not has_horizontal_scroll(page)
