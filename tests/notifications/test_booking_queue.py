"""A booking request only enqueues its message; the background task renders and stores it."""

import pytest
from django_tasks import default_task_backend

from booking.services import book_session
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.tasks import queue_booking_message
from tests.factories import UserFactory
from tests.notifications.conftest import BOOKED_ON

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_stored(settings):
    """Enqueue without running, to see what the booking request itself does."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_book_session_enqueues_the_message_and_renders_nothing(
    tasks_stored, week_session, django_capture_on_commit_callbacks, django_assert_num_queries
):
    person = UserFactory()

    # savepoint, lock, counts, booking, release; nothing after commit with the dummy backend
    with (
        django_assert_num_queries(5),
        django_capture_on_commit_callbacks(execute=True),
    ):
        booking = book_session(week_session, person=person, now=BOOKED_ON)

    assert Notification.objects.count() == 0
    assert [(r.task.name, r.kwargs) for r in default_task_backend.results] == [
        ("queue_booking_message", {"booking_id": booking.pk, "kind": Kind.BOOKING_CONFIRMED})
    ]


def test_queue_booking_message_stores_the_message(tasks_stored, week_session):
    booking = book_session(week_session, person=UserFactory(), now=BOOKED_ON)

    queue_booking_message.call(booking_id=booking.pk, kind=Kind.BOOKING_CONFIRMED)

    notification = Notification.objects.get()
    assert (notification.kind, notification.booking_id, notification.status) == (
        "booking_confirmed",
        booking.pk,
        "queued",
    )


def test_book_session_ends_in_the_outbox_when_tasks_run(book, week_session):
    # The notifications tests run tasks at once (conftest), as the worker would.
    booking = book(week_session)

    assert list(Notification.objects.values_list("kind", "booking_id")) == [
        ("booking_confirmed", booking.pk)
    ]
