"""The trainer's register shows the check-in code and its QR code, and who has checked in."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from booking import rules
from booking.services import book_session, check_in
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_session(trainer):
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1))
    session.trainers.add(trainer)
    return session


def test_register_shows_the_code_and_a_qr_code_of_the_link(client, trainer, running_session):
    client.force_login(trainer)
    code = rules.check_in_code(running_session)

    page = client.get(f"/trainer/sessions/{running_session.pk}/")

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert f'<p class="govuk-body app-check-in-code" data-check-in-code>{code}</p>' in text
    assert f"{settings.SITE_URL}/sessions/{running_session.pk}/check-in/?code={code}" in text
    svg = re.search(r"<svg role=\"img\"[^>]*>(.*?)</svg>", text, re.S)
    assert svg is not None
    assert f"<title>QR code for checking in with code {code}</title>" in svg.group(1)
    assert "Open now" in text
    assert "data-register-live" in text


def test_a_reload_shows_who_checked_in(client, trainer, running_session):
    person = UserFactory(full_name="Sam Checkin")
    book_session(running_session, person=person, now=running_session.starts_at - timedelta(days=1))
    client.force_login(trainer)
    before = client.get(f"/trainer/sessions/{running_session.pk}/").content.decode()

    check_in(running_session, person=person, code=rules.check_in_code(running_session))
    after = client.get(f"/trainer/sessions/{running_session.pk}/").content.decode()

    assert "0 of 1 marked attended" in before
    assert "1 of 1 marked attended" in after
    assert "Attended by Sam Checkin" in after


def test_qr_code_is_not_shown_to_other_trainers(client, running_session):
    client.force_login(UserFactory())

    assert client.get(f"/trainer/sessions/{running_session.pk}/").status_code == 404
