"""`manage.py worker`: the database worker that also runs the periodic jobs, so no cron."""

import io
import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.services import book_session, mark_attendance
from notifications.models import Notification
from notifications.services import suppressed
from tests.factories import SessionFactory, UserFactory


@pytest.fixture
def _keep_signal_handlers():
    """The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    names = [name for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


# The worker thread and the worker share the database as two connections would; SQLite's
# in-memory test database locks whole tables between threads, so this runs on PostgreSQL.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_keep_signal_handlers")
def test_worker_runs_the_periodic_jobs_and_sends_what_they_write(settings, smtp):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    trainer = UserFactory()
    session.trainers.add(trainer)
    with suppressed():  # the booking's own messages are not what this is about
        booking = book_session(
            session, person=UserFactory(email="sam@example.org"), now=now - timedelta(days=2)
        )
        mark_attendance(booking, attendance="attended", by=trainer, now=session.ends_at)

    # The periodic round runs in a thread as the worker starts; the evaluation request it
    # writes is the one task this worker then runs before it stops.
    call_command(
        "worker",
        "--max-tasks=1",
        "--interval=0.05",
        "--periodic-interval=30",
        "--no-startup-delay",
        "--no-reload",
        "--verbosity=0",
    )

    request = Notification.objects.get(kind="evaluation_request")
    assert request.status == "sent"
    assert [envelope.rcpt_tos for envelope in smtp.inbox.envelopes] == [["sam@example.org"]]


# Transactional: a round closes its connections at the end, as it would between rounds.
@pytest.mark.django_db(transaction=True)
def test_periodic_jobs_once_runs_a_round(smtp, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    trainer = UserFactory()
    session.trainers.add(trainer)
    with suppressed():
        booking = book_session(
            session, person=UserFactory(email="ann@example.org"), now=now - timedelta(days=2)
        )
        mark_attendance(booking, attendance="attended", by=trainer, now=session.ends_at)
    out = io.StringIO()

    call_command("periodic_jobs", "--once", stdout=out)

    assert "evaluation_requests" in out.getvalue()
    assert [envelope.rcpt_tos for envelope in smtp.inbox.envelopes] == [["ann@example.org"]]
