"""Reminders: queued by `manage.py send_reminders` (cron), once per booking."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from booking.services import cancel_booking
from notifications.models import Notification
from tests.factories import SessionFactory, UserFactory, local
from tests.smtp import calendar_of, parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

# Saturday 10 July 2021, 13:00: less than 48 hours before Monday's noon session.
REMINDER_RUN = local(2021, 7, 10, 13)


@pytest.fixture
def send_reminders(django_capture_on_commit_callbacks):
    def _run() -> str:
        out = io.StringIO()
        with (
            time_machine.travel(REMINDER_RUN, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("send_reminders", stdout=out)
        return out.getvalue()

    return _run


def test_reminder_is_sent_once_with_the_invitation(
    smtp, book_and_send, week_session, send_reminders
):
    booking = book_and_send(week_session, UserFactory(email="rem@example.org"))
    smtp.inbox.envelopes.clear()

    first = send_reminders()
    second = send_reminders()

    assert first.startswith("Reminders queued: 1.")
    assert second.startswith("Reminders queued: 0.")
    (message,) = smtp.messages
    assert message["Subject"] == "Reminder: Voice of the Child, Monday 12 July"
    assert smtp.inbox.envelopes[0].rcpt_tos == ["rem@example.org"]
    assert calendar_of(message)["METHOD"] == "REQUEST"
    assert "Monday 12 July 2021, 12:00 to 14:30 (UK time)" in parts(message)["text/plain"]
    assert Notification.objects.get(kind="reminder").dedupe_key == f"reminder:booking-{booking.pk}"


def test_no_reminder_outside_the_window_or_for_waitlisted_or_cancelled_places(
    smtp, book_and_send, week_session, django_capture_on_commit_callbacks, send_reminders
):
    later = SessionFactory(starts_at=local(2021, 7, 16, 12), ends_at=local(2021, 7, 16, 14))
    book_and_send(later)
    first = book_and_send(week_session)
    book_and_send(week_session)
    book_and_send(week_session)  # waitlisted
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(first, by=first.person, now=local(2021, 7, 2))
    # The cancellation promoted the waitlisted person on 2 July, before the window opened.
    smtp.inbox.envelopes.clear()

    send_reminders()

    assert sorted(n.booking_id for n in Notification.objects.filter(kind="reminder")) == sorted(
        week_session.bookings.filter(status="confirmed").values_list("pk", flat=True)
    )
    assert len(smtp.messages) == 2


def test_no_reminder_when_booked_inside_the_window(
    smtp, week_session, book_and_send, settings, send_reminders
):
    settings.REMINDER_LEAD_TIME = timedelta(days=14)  # the booking (1 July) is inside it

    book_and_send(week_session)
    smtp.inbox.envelopes.clear()
    send_reminders()

    assert smtp.messages == []
