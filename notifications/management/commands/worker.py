"""``manage.py worker``: the database task worker, plus the periodic jobs every minute.

``db_worker`` (django-tasks-db) runs tasks; this runs the same worker and, in a background
thread, every registered periodic job (``common.periodic``: reminders, evaluation requests and
reminders, refresher reminders, the outbox sweep), so a default install needs no cron. With
``--reload`` the jobs run in the reloaded child only, never twice in one install.
"""

import logging
import os
import threading

from django.conf import settings
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from common.periodic import run_periodic_jobs

logger = logging.getLogger(__name__)


def run_round() -> None:
    """One round of every periodic job; a failure is logged, and the next round tries again."""
    try:
        run_periodic_jobs()
    except Exception as error:  # each failure is logged by its job; try again next round
        logger.error("periodic round failed error=%s", type(error).__name__)
    finally:
        # This thread's own connections: none is held open while it sleeps.
        connections.close_all()


def run_until(stop: threading.Event, interval: float) -> None:
    """A round now, then one every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        run_round()
        stop.wait(interval)


class Command(DbWorkerCommand):
    help = (
        "Run the background worker and, every --periodic-interval seconds, the periodic jobs "
        "(reminders, evaluation emails, refresher reminders, the outbox sweep)."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--periodic-interval",
            type=float,
            default=None,
            help="Seconds between rounds of periodic jobs; 0 turns them off "
            "(default: the PERIODIC_JOBS_INTERVAL setting, 60).",
        )

    def handle(self, *args, **options):
        interval = options.pop("periodic_interval")
        if interval is None:
            interval = settings.PERIODIC_JOBS_INTERVAL
        in_reloaded_child = os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        stop, rounds = threading.Event(), None
        if interval > 0 and not options["batch"] and (not options["reload"] or in_reloaded_child):
            rounds = threading.Thread(
                target=run_until, args=(stop, interval), name="periodic-jobs", daemon=True
            )
            rounds.start()
        try:
            return super().handle(*args, **options)
        finally:
            # The rounds stop with the worker (--max-tasks, a signal): a round in progress
            # finishes, and none outlives the worker.
            stop.set()
            if rounds is not None:
                rounds.join(timeout=60)
