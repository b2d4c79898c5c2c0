"""``manage.py periodic_jobs``: the periodic jobs on their own, for a task backend whose worker
is not ``manage.py worker`` (RQ's, say): run it under the same supervisor as the workers."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from common.periodic import registered
from notifications.management.commands.worker import run_round


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (reminders, evaluation emails, refresher reminders, the outbox "
        "sweep) every PERIODIC_JOBS_INTERVAL seconds, or once with --once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one round and stop.")

    def handle(self, *args, once: bool, **options):
        self.stdout.write(f"Periodic jobs: {', '.join(registered())}.")
        while True:
            run_round()
            if once:
                return
            time.sleep(settings.PERIODIC_JOBS_INTERVAL)
