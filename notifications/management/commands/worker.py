"""``manage.py worker``: the database task worker, plus the periodic jobs every minute.

``db_worker`` (django-tasks-db) runs tasks; this runs the same worker and, in a background
thread, every registered periodic job (``common.periodic``: reminders, evaluation requests and
reminders, refresher reminders, the outbox sweep), so a default install needs no cron. With
``--reload`` the jobs run in the reloaded child only, never twice in one install.
"""

import logging
import os
import threading
import time

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


def run_forever(interval: float) -> None:
    while True:
        run_round()
        time.sleep(interval)


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
        if interval > 0 and not options["batch"] and (not options["reload"] or in_reloaded_child):
            threading.Thread(
                target=run_forever, args=(interval,), name="periodic-jobs", daemon=True
            ).start()
        return super().handle(*args, **options)
