"""The sweep writes the message of a new booking whose task was lost (RQ: handed to Redis on
commit, so a node or worker dying at the wrong moment loses it), once."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from booking.messages import queue_lost_new_booking_messages
from booking.services import book_session
from notifications.models import Notification
from tests.factories import SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_stored")]


def test_a_booking_whose_task_was_lost_gets_its_message_once(settings):
    session = SessionFactory(capacity=1)
    confirmed = book_session(session, person=UserFactory())
    waitlisted = book_session(session, person=UserFactory())
    assert Notification.objects.count() == 0  # the tasks never ran
    soon = confirmed.created_at + settings.NOTIFICATION_STALE_AFTER - timedelta(seconds=1)
    later = confirmed.created_at + settings.NOTIFICATION_STALE_AFTER + timedelta(seconds=1)

    assert queue_lost_new_booking_messages(now=soon) == 0
    assert queue_lost_new_booking_messages(now=later) == 2
    assert queue_lost_new_booking_messages(now=later) == 0

    assert sorted(Notification.objects.values_list("booking_id", "kind")) == sorted(
        [(confirmed.pk, "booking_confirmed"), (waitlisted.pk, "booking_waitlisted")]
    )


def test_old_bookings_and_cancelled_ones_are_left_alone(settings):
    session = SessionFactory(capacity=3)
    old = book_session(session, person=UserFactory())
    cancelled = book_session(session, person=UserFactory())
    cancelled.status = "cancelled"
    cancelled.save()

    assert queue_lost_new_booking_messages(now=old.created_at + timedelta(days=2)) == 0
    assert queue_lost_new_booking_messages(now=old.created_at + timedelta(minutes=30)) == 1


def test_send_reminders_runs_the_sweep(settings):
    settings.NOTIFICATION_STALE_AFTER = timedelta(0)
    book_session(SessionFactory(), person=UserFactory())

    out = io.StringIO()
    call_command("send_reminders", stdout=out)

    assert "Lost booking messages written: 1." in out.getvalue()
    assert Notification.objects.filter(kind="booking_confirmed").count() == 1
