"""Confirmations and refusals appear exactly once on the staff pages."""

import pytest
import time_machine
from django.urls import reverse

from tests.factories import book_three_days_before

pytestmark = pytest.mark.django_db


@pytest.fixture
def marked(client, coordinator, past_session, attendee):
    """A coordinator (who may open every staff page) has just marked Alex Morgan attended."""
    past_session.trainers.add(coordinator)
    booking = book_three_days_before(past_session, attendee)
    client.force_login(coordinator)
    with time_machine.travel(past_session.ends_at, tick=False):
        response = client.post(
            reverse("staff:mark_attendance", args=[past_session.pk, booking.pk]),
            {"attendance": "attended"},
        )
    assert response.status_code == 302
    return booking


@pytest.mark.parametrize("page", ["register", "my_sessions", "reports"])
def test_a_message_shows_once_on_the_next_staff_page(client, marked, page):
    args = [marked.session_id] if page == "register" else []

    text = client.get(reverse(f"staff:{page}", args=args)).content.decode()

    assert text.count("Alex Morgan: attended.") == 1
    assert text.count("govuk-notification-banner__heading") == 1
    # Shown once, then gone.
    assert "Alex Morgan: attended." not in client.get(reverse(f"staff:{page}", args=args)).text


def test_register_messages_sit_in_the_box_that_marking_in_place_replaces(client, marked):
    text = client.get(reverse("staff:register", args=[marked.session_id])).content.decode()

    assert text.count('id="register-messages"') == 1
    box = text.index('<div id="register-messages">')
    assert box < text.index("Alex Morgan: attended.") < text.index('<h1 class="govuk-heading-l">')


def test_register_without_messages_keeps_an_empty_box(client, trainer, past_session):
    client.force_login(trainer)

    text = client.get(reverse("staff:register", args=[past_session.pk])).content.decode()

    assert text.count('id="register-messages"') == 1
    assert "govuk-notification-banner" not in text


def test_a_refusal_shows_once_as_an_error_summary(client, trainer, past_session, attendee):
    booking = book_three_days_before(past_session, attendee)
    client.force_login(trainer)

    response = client.post(
        reverse("staff:mark_attendance", args=[past_session.pk, booking.pk]),
        {"attendance": "maybe"},
        follow=True,
    )

    text = response.content.decode()
    assert text.count("Choose attended or absent.") == 1
    assert text.count("govuk-error-summary__title") == 1
