"""Delivery: at most once, retried with backoff through an SMTP outage, then failed."""

import io
import signal
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.messages import send_sign_in_link
from booking.messages import queue_messages_for
from notifications import services
from notifications.delivery import deliver_notification
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.tasks import send_notification
from tests.factories import SessionFactory, UserFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


@pytest.fixture
def queue_sign_in_link(django_capture_on_commit_callbacks):
    """Queue one message (a sign-in link: the simplest kind) and run what happens on commit."""

    def _queue(email="kim@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            send_sign_in_link(user=UserFactory(email=email), next_url="/bookings/")
        return Notification.objects.get(recipient=email)

    return _queue


def test_task_run_twice_sends_once(smtp, book_and_send, week_session):
    book_and_send(week_session)
    notification = Notification.objects.get()

    send_notification.call(notification_id=notification.pk)
    send_notification.call(notification_id=notification.pk)

    assert len(smtp.messages) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_same_event_reported_twice_makes_one_message(
    smtp, book_and_send, week_session, django_capture_on_commit_callbacks
):
    booking = book_and_send(week_session)

    with django_capture_on_commit_callbacks(execute=True):
        queue_messages_for([booking.pk], kind=Kind.BOOKING_CONFIRMED)

    assert Notification.objects.count() == 1
    assert len(smtp.messages) == 1


def test_smtp_outage_keeps_the_message_queued_then_delivers_it_once(
    smtp, book_and_send, week_session
):
    smtp.stop()
    before = timezone.now()

    book_and_send(week_session)

    notification = Notification.objects.get()
    assert notification.status == "queued"
    assert notification.attempts == 1
    assert notification.last_error.startswith("ConnectionRefusedError")
    assert notification.next_attempt_at - notification.last_attempt_at == timedelta(seconds=60)
    assert notification.last_attempt_at >= before

    smtp.start()
    send_notification.call(notification_id=notification.pk)  # not due yet: nothing happens
    assert smtp.messages == []

    later = notification.next_attempt_at + timedelta(seconds=1)
    deliver_notification(notification.pk, now=later)
    deliver_notification(notification.pk, now=later)

    assert len(smtp.messages) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == (
        "sent",
        2,
        "",
    )


def test_backoff_doubles_then_gives_up_as_failed(settings, smtp, queue_sign_in_link):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    smtp.stop()
    notification = queue_sign_in_link()
    delays = [notification.next_attempt_at - notification.last_attempt_at]

    for _ in range(2):
        notification = deliver_notification(notification.pk, now=notification.next_attempt_at)
        if notification.status == "queued":
            delays.append(notification.next_attempt_at - notification.last_attempt_at)

    assert delays == [timedelta(minutes=1), timedelta(minutes=2)]
    assert (notification.status, notification.attempts) == ("failed", 3)
    assert notification.last_error.startswith("ConnectionRefusedError")


def test_retry_puts_a_failed_message_back_and_it_is_delivered(
    settings, smtp, queue_sign_in_link, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    smtp.stop()
    notification = queue_sign_in_link()
    assert notification.status == "failed"
    smtp.start()

    with django_capture_on_commit_callbacks(execute=True):
        retried = services.retry_notifications(Notification.objects.all())

    assert retried == 1
    assert len(smtp.messages) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_refused_recipient_fails_at_once_without_retries(smtp, queue_sign_in_link):
    smtp.inbox.refuse.add("nobody@example.org")

    notification = queue_sign_in_link("nobody@example.org")

    assert (notification.status, notification.attempts) == ("failed", 1)
    assert notification.last_error.startswith("SMTPRecipientsRefused")
    assert smtp.messages == []


def test_sent_message_is_never_retried(
    smtp, queue_sign_in_link, django_capture_on_commit_callbacks
):
    notification = queue_sign_in_link()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_notifications(Notification.objects.all()) == 0

    assert len(smtp.messages) == 1
    notification.refresh_from_db()
    assert notification.status == "sent"


def test_provider_message_id_is_recorded(settings, queue_sign_in_link):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"

    notification = queue_sign_in_link()

    assert notification.status == "sent"
    assert notification.provider_message_id == "0"  # the test backend's first id


def test_sweep_sends_a_queued_message_that_lost_its_task(settings, smtp, queue_sign_in_link):
    smtp.stop()
    # The first attempt fails; the immediate backend cannot defer the retry.
    notification = queue_sign_in_link()
    smtp.start()

    with time_machine.travel(notification.next_attempt_at + timedelta(minutes=11)):
        call_command("send_reminders", stdout=io.StringIO())

    assert len(smtp.messages) == 1
    notification.refresh_from_db()
    assert notification.status == "sent"


def test_sweep_marks_an_interrupted_send_failed_and_does_not_resend(smtp, queue_sign_in_link):
    notification = queue_sign_in_link()
    Notification.objects.filter(pk=notification.pk).update(
        status="sending", last_attempt_at=timezone.now() - timedelta(hours=1)
    )

    swept = services.requeue_stale()

    assert swept == {"requeued": 0, "interrupted": 1}
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert notification.last_error.startswith("Interrupted while sending")
    assert len(smtp.messages) == 1


@pytest.fixture
def _keep_signal_handlers():
    """db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    names = [name for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_keep_signal_handlers")
def test_database_worker_retries_after_an_outage_and_delivers_once(settings, smtp, book_and_send):
    """The real queue: django-tasks-db stores the task, `db_worker --batch` runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    session = SessionFactory(starts_at=local(2021, 7, 15, 12), ends_at=local(2021, 7, 15, 14))
    smtp.stop()
    book_and_send(session)
    worker = ["db_worker", "--batch", "--no-startup-delay", "--no-reload", "--verbosity=0"]

    call_command(*worker)  # first attempt: refused, a deferred retry is enqueued

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("queued", 1)
    waiting = DBTaskResult.objects.filter(status="READY")
    assert [task.run_after for task in waiting] == [notification.next_attempt_at]
    assert DBTaskResult.objects.ready().count() == 0

    smtp.start()
    call_command(*worker)  # not due yet
    assert smtp.messages == []
    with time_machine.travel(notification.next_attempt_at + timedelta(seconds=1)):
        call_command(*worker)
        call_command(*worker)

    assert len(smtp.messages) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("same", "expected"), [(True, 1), (False, 2)])
def test_two_workers_at_once_send_a_message_once(smtp, queue_sign_in_link, same, expected):
    """Two threads claim at the same moment; the control (two different messages) sends two."""
    from django.db import connection

    first = queue_sign_in_link("first@example.org")
    second = first if same else queue_sign_in_link("second@example.org")
    Notification.objects.update(status="queued", attempts=0, sent_at=None)
    smtp.inbox.envelopes.clear()
    barrier = threading.Barrier(2)

    def worker(notification_id):
        try:
            barrier.wait()
            deliver_notification(notification_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n.pk,)) for n in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(smtp.messages) == expected
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
