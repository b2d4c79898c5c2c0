"""Queueing: what goes in the outbox, and what it costs the request that triggers it."""

import pytest
from django.core import mail
from django.urls import NoReverseMatch
from django_tasks import TaskResultStatus

from booking.messages import queue_messages_for, queue_session_messages
from booking.models import Booking
from booking.services import book_session, cancel_booking, update_session
from booking.tasks import write_new_booking_message
from events.models import Session
from notifications import services
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import retry_notifications
from tests.factories import CoordinatorFactory, SessionFactory, UserFactory, local
from tests.notifications.conftest import BOOKED_ON

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_stored(settings):
    """Enqueue without running, so only the queueing is measured."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_booking_changed_queues_one_message_in_six_queries(
    tasks_stored, week_session, django_assert_num_queries
):
    booking = book_session(week_session, person=UserFactory(), now=BOOKED_ON)

    # booking with session, event, venue and person; themes; dedupe check;
    # savepoint, insert, release.
    with django_assert_num_queries(6):
        queue_messages_for([booking.pk], kind=Kind.BOOKING_CONFIRMED)

    notification = Notification.objects.get()
    assert (notification.kind, notification.status, notification.calendar_method) == (
        "booking_confirmed",
        "queued",
        "REQUEST",
    )


@pytest.mark.parametrize(("people", "queries"), [(1, 6), (3, 12)])
def test_session_changed_costs_three_queries_per_person(
    tasks_stored, people, queries, django_assert_num_queries
):
    session = SessionFactory(starts_at=local(2021, 7, 12, 12), ends_at=local(2021, 7, 12, 14))
    for _ in range(people):
        book_session(session, person=UserFactory(), now=BOOKED_ON)
    changes = {"starts_at": ("Monday 12 July 2021, 12:00", "Monday 12 July 2021, 13:00")}

    with django_assert_num_queries(queries):
        queue_session_messages(session.pk, kind=Kind.SESSION_CHANGED, changes=changes)

    assert Notification.objects.filter(kind="session_changed").count() == people


def test_suppressed_queues_nothing(tasks_stored, week_session, django_capture_on_commit_callbacks):
    with services.suppressed(), django_capture_on_commit_callbacks(execute=True):
        book_session(week_session, person=UserFactory(), now=BOOKED_ON)

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_cancellation_by_a_coordinator_says_so_and_notes_a_late_cancellation(
    book, week_session, django_capture_on_commit_callbacks
):
    booking = book(week_session)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking, by=CoordinatorFactory(), now=local(2021, 7, 11, 12))

    message = Notification.objects.get(kind="booking_cancelled")
    assert "The training team has cancelled your place" in message.body_text
    assert "recorded as a late cancellation" in message.body_text
    assert message.calendar_method == "CANCEL"
    assert len(mail.outbox) == 2


def test_hybrid_session_names_the_venue_and_online(book):
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14),
        delivery=Session.Delivery.HYBRID,
        join_url="https://meet.example.org/hybrid",
    )

    book(session)

    message = Notification.objects.get()
    assert "Where: County Hall, Aykley Heads, Durham, DH1 5UL (or online)" in message.body_text
    assert "Joining link: https://meet.example.org/hybrid" in message.body_text


def test_online_session_without_a_link_yet_promises_one(book):
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14),
        delivery=Session.Delivery.ONLINE,
        venue=None,
    )

    book(session)

    message = Notification.objects.get()
    assert "Where: Online" in message.body_text
    assert "We will email you the joining link before the session." in message.body_text


def test_delivery_change_is_described_in_words(
    book, week_session, django_capture_on_commit_callbacks
):
    book(week_session)

    with django_capture_on_commit_callbacks(execute=True):
        update_session(
            week_session,
            by=CoordinatorFactory(),
            delivery=Session.Delivery.ONLINE,
            join_url="https://meet.example.org/moved-online",
        )

    message = Notification.objects.get(kind="session_changed")
    assert "How it runs: was In person, now Online" in message.body_text
    assert "Joining link: now https://meet.example.org/moved-online" not in message.body_text
    assert "Joining link: https://meet.example.org/moved-online" in message.body_text


@pytest.fixture
def broken_confirmation(settings, tmp_path):
    """A confirmation template that fails to render (it names a page that does not exist)."""
    broken = tmp_path / "templates" / "email"
    broken.mkdir(parents=True)
    (broken / "booking_confirmed.txt").write_text('{% url "no-such-page" %}')
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [tmp_path / "templates", *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return settings


def test_a_message_that_fails_to_render_is_kept_as_failed_and_logged_with_ids_only(
    broken_confirmation, week_session, caplog, django_capture_on_commit_callbacks
):
    person = UserFactory(email="alex.morgan@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_session(week_session, person=person, now=BOOKED_ON)

    failed = Notification.objects.get()
    assert (failed.kind, failed.status, failed.booking_id, failed.last_error) == (
        "booking_confirmed",
        "failed",
        booking.pk,
        "render_failed: NoReverseMatch",
    )
    assert mail.outbox == []
    (line,) = [r.getMessage() for r in caplog.records if r.name == "notifications.services"]
    assert line == (
        f"notification not rendered id={failed.pk} kind=booking_confirmed error=NoReverseMatch"
    )


def test_a_task_that_fails_to_render_fails_visibly(broken_confirmation, week_session):
    booking = Booking.objects.create(
        session=week_session,
        person=UserFactory(),
        status=Booking.Status.CONFIRMED,
        created_at=BOOKED_ON,
        confirmed_at=BOOKED_ON,
    )

    result = write_new_booking_message.enqueue(ical_uid=str(booking.ical_uid))

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is NoReverseMatch


def test_retry_renders_a_failed_message_again_once_the_fault_is_mended(
    broken_confirmation, week_session, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book_session(week_session, person=UserFactory(), now=BOOKED_ON)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": settings.TEMPLATES[0]["DIRS"][1:]}]

    with django_capture_on_commit_callbacks(execute=True):
        retried = retry_notifications(Notification.objects.all())

    message = Notification.objects.get()
    assert (retried, message.status, message.last_error) == (1, "sent", "")
    assert message.subject.startswith("Booking confirmed: ")
    assert message.calendar_method == "REQUEST"
    assert len(mail.outbox) == 1


def test_task_for_a_message_that_no_longer_exists_does_nothing():
    from notifications.tasks import send_notification

    assert send_notification.call(notification_id=987654) == "missing"
