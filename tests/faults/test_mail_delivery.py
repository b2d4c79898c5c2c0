"""Faults on the way out: the mail server goes away, workers die or run side by side.

Bookings are made through the booking rules in this process; `manage.py db_worker` processes
send the outbox to a loopback SMTP server. Each message is recognised by its Message-ID, which
the outbox keeps the same on every attempt.
"""

import signal

import pytest
from django_tasks_db.models import DBTaskResult

from booking import services
from booking.models import Booking
from notifications.models import Notification
from notifications.services import retry_notifications
from tests.factories import SessionFactory, UserFactory
from tests.faults.conftest import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def fill_a_new_session(count: int) -> list[Booking]:
    """Book through the rules; each commit stores a task that the worker turns into an outbox
    message (rendered once), which another task sends."""
    session = SessionFactory(capacity=count)
    return [services.book_session(session, person=UserFactory()) for _ in range(count)]


def worker_is_idle(worker_id: str) -> bool:
    """Nothing is left that the worker could run, and it is running nothing."""
    tasks = DBTaskResult.objects
    return not (
        tasks.ready().exists() or tasks.running().filter(worker_ids__contains=[worker_id]).exists()
    )


def outbox(status: str | None = None):
    notifications = Notification.objects.filter(kind="booking_confirmed")
    return notifications.filter(status=status) if status else notifications


def test_smtp_outage_then_recovery_delivers_each_confirmation_once(smtp_server, workers):
    bookings = fill_a_new_session(6)  # the mail server is down from the start
    worker = workers.start("outage")
    wait_for(lambda: outbox().count() == 6, timeout=60, what="the worker to queue 6 messages")

    # Fault: connection refused. Every message is tried, fails, and waits for its retry.
    wait_for(
        lambda: not outbox().filter(attempts__lt=2).exists(),
        timeout=60,
        what="two failed attempts per message",
    )
    assert outbox("sent").count() == 0
    assert all("Connection refused" in n.last_error for n in outbox())

    smtp_server.start()  # recovery
    wait_for(lambda: outbox("sent").count() == 6, timeout=90, what="delivery after recovery")
    workers.stop(worker)

    expected = {n.message_id: n.recipient for n in outbox()}
    assert smtp_server.inbox.message_ids() == dict.fromkeys(expected, 1)
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.inbox.received) == sorted(
        b.person.email for b in bookings
    )
    # The outbox shows the retries: at least two failed attempts, then the one that went.
    assert min(outbox().values_list("attempts", flat=True)) >= 3
    assert set(outbox().values_list("last_error", flat=True)) == {""}


def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(smtp_server, workers):
    smtp_server.inbox.delay = 0.15  # a slow relay, so the kill lands mid-batch
    smtp_server.start()
    fill_a_new_session(24)
    first = workers.start("first")
    wait_for(lambda: len(smtp_server.inbox.received) >= 5, timeout=60, what="five deliveries")

    workers.stop(first, signal.SIGKILL)  # fault: no chance to finish or clean up
    delivered_before_restart = len(smtp_server.inbox.received)
    assert delivered_before_restart < 24

    second = workers.start("second")
    wait_for(
        lambda: worker_is_idle("second"),
        timeout=90,
        what="the restarted worker to run every task it can",
    )
    # The task the killed worker had claimed stays "running" for ever; no worker takes it again.
    # Its message is the only one not sent: "sending" if the kill landed while the worker talked
    # to the mail server, still "queued" if it landed between claiming the task and claiming the
    # message, or nothing at all if it landed between two tasks.
    assert outbox().exclude(status="sent").count() <= 1
    # The periodic sweep (cron in production) recovers that message; run it now, with a zero
    # stale period.
    workers.run("send_reminders", NOTIFICATION_STALE_MINUTES="0")
    wait_for(
        lambda: not outbox().filter(status__in=["queued", "sending"]).exists(),
        timeout=60,
        what="the sweep's messages to go",
    )

    assert outbox().count() == 24  # one confirmation per booking, none lost before the outbox
    assert [mid for mid, n in smtp_server.inbox.message_ids().items() if n > 1] == []
    interrupted = list(outbox("failed"))
    # At most the one message the worker was talking to the server about when it died. It is
    # flagged for a coordinator, never resent blindly (that could send it twice).
    assert len(interrupted) <= 1
    assert all(n.last_error.startswith("Interrupted while sending") for n in interrupted)
    delivered = set(smtp_server.inbox.message_ids())
    assert set(outbox("sent").values_list("message_id", flat=True)) <= delivered
    assert {n.message_id for n in outbox()} - delivered <= {n.message_id for n in interrupted}

    # The coordinator checks the flagged message and retries it from the admin if it did not go.
    retry_notifications(outbox("failed").exclude(message_id__in=delivered))
    wait_for(
        lambda: set(smtp_server.inbox.message_ids()) == {n.message_id for n in outbox()},
        timeout=60,
        what="every message delivered",
    )
    workers.stop(second)

    assert smtp_server.inbox.message_ids() == dict.fromkeys(
        outbox().values_list("message_id", flat=True), 1
    )


def test_two_workers_send_each_message_once(smtp_server, workers):
    smtp_server.inbox.delay = 0.05
    smtp_server.start()
    fill_a_new_session(30)

    pair = [workers.start("left"), workers.start("right")]
    wait_for(lambda: outbox("sent").count() == 30, timeout=120, what="all 30 sent")
    for worker in pair:
        workers.stop(worker)

    assert smtp_server.inbox.message_ids() == dict.fromkeys(
        outbox().values_list("message_id", flat=True), 1
    )

    # Control: both workers really took messages from the queue.
    ran_by = {ids[0] for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) if ids}
    assert ran_by == {"left", "right"}
