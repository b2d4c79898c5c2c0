"""A booking request only enqueues its message; the background task renders and stores it."""

import pytest
from django.db import connection
from django_tasks import default_task_backend

from booking.models import Booking
from booking.services import book_session
from booking.tasks import write_booking_messages, write_new_booking_message
from notifications.kinds import Kind
from notifications.models import Notification
from tests.conftest import BOOKED_ON
from tests.factories import UserFactory
from webhooks.subscriptions import subscribed_types

pytestmark = pytest.mark.django_db


def test_book_session_enqueues_the_message_and_renders_nothing(
    tasks_stored, week_session, django_capture_on_commit_callbacks, django_assert_num_queries
):
    person = UserFactory()
    subscribed_types()  # webhooks: which event types are wanted is cached (none here)

    # savepoint, (the lock on PostgreSQL), the read, the booking, release; nothing after commit
    # with the dummy backend (which keeps its task in memory, so no task row is written)
    with (
        django_assert_num_queries(4 + connection.features.has_select_for_update),
        django_capture_on_commit_callbacks(execute=True),
    ):
        booking = book_session(week_session, person=person, now=BOOKED_ON)

    assert Notification.objects.count() == 0
    assert [(r.task.name, r.kwargs) for r in default_task_backend.results] == [
        ("write_new_booking_message", {"ical_uid": str(booking.ical_uid)})
    ]


@pytest.mark.parametrize(
    ("full", "kind"), [(False, "booking_confirmed"), (True, "booking_waitlisted")]
)
def test_write_new_booking_message_sends_what_the_booking_got(
    tasks_stored, week_session, full, kind
):
    week_session.capacity = 1
    week_session.waitlist_enabled = True
    week_session.save()
    if full:
        book_session(week_session, person=UserFactory(), now=BOOKED_ON)
    booking = book_session(week_session, person=UserFactory(), now=BOOKED_ON)

    write_new_booking_message.call(ical_uid=str(booking.ical_uid))

    notification = Notification.objects.get(booking=booking)
    assert (notification.kind, notification.status) == (kind, "queued")


def test_a_promoted_booking_still_gets_its_waitlist_message_first(tasks_stored, week_session):
    # The task may run after a promotion: the message says what the booking got when it was
    # made, and the promotion sends its own.
    week_session.capacity = 1
    week_session.waitlist_enabled = True
    week_session.save()
    first = book_session(week_session, person=UserFactory(), now=BOOKED_ON)
    waiting = book_session(week_session, person=UserFactory(), now=BOOKED_ON)
    Booking.objects.filter(pk=first.pk).update(status=Booking.Status.CANCELLED)
    Booking.objects.filter(pk=waiting.pk).update(status=Booking.Status.CONFIRMED)

    write_new_booking_message.call(ical_uid=str(waiting.ical_uid))

    assert Notification.objects.get(booking=waiting).kind == "booking_waitlisted"


def test_write_new_booking_message_for_a_booking_that_is_gone_does_nothing(tasks_stored):
    write_new_booking_message.call(ical_uid="7b0c8c3e-1f8a-4c57-9d5e-0a0e4c1f2b3d")

    assert Notification.objects.count() == 0


def test_write_booking_messages_stores_one_message_per_booking(tasks_stored, week_session):
    week_session.capacity = 2
    week_session.save()
    bookings = [book_session(week_session, person=UserFactory(), now=BOOKED_ON) for _ in "ab"]

    write_booking_messages.call(
        booking_ids=[booking.pk for booking in bookings], kind=Kind.BOOKING_CONFIRMED
    )

    assert sorted(Notification.objects.values_list("booking_id", "kind", "status")) == sorted(
        (booking.pk, "booking_confirmed", "queued") for booking in bookings
    )


def test_book_session_ends_in_the_outbox_when_tasks_run(book_and_send, week_session):
    # book_and_send runs the tasks at once, as the worker would.
    booking = book_and_send(week_session)

    assert list(Notification.objects.values_list("kind", "booking_id")) == [
        ("booking_confirmed", booking.pk)
    ]


def test_a_booking_announces_its_task_to_whoever_listens(settings, week_session):
    """The row is written with the booking (not by ``enqueue``), and still announced."""
    from django_tasks_db.compat import task_enqueued

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    heard = []

    def listen(sender, task_result, **kwargs):
        heard.append(task_result.kwargs)

    task_enqueued.connect(listen)
    try:
        booking = book_session(week_session, person=UserFactory(), now=BOOKED_ON)
    finally:
        task_enqueued.disconnect(listen)

    assert heard == [{"ical_uid": str(booking.ical_uid)}]
