import argparse
from datetime import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from booking.services import allocate_places


def aware_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"must be an ISO 8601 time, e.g. 2026-07-12T12:00:00+01:00 ({error})"
        ) from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # read as UK time, like everything people type
    return moment


class Command(BaseCommand):
    help = (
        "Expire offers of places whose time has run out and release sector quotas that are "
        "due, giving the places to the waitlist. Idempotent. The worker (db_worker) runs it "
        "every minute, so no cron is needed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=aware_time,
            default=None,
            help="Act as of this time (ISO 8601; default: the clock). A time without an "
            "offset is UK time.",
        )

    def handle(self, *args, now=None, **options):
        totals = allocate_places(now=now)
        self.stdout.write(
            f"Offers expired: {totals['expired']}. Places given to the waitlist: "
            f"{totals['allocated']}. Sessions changed: {totals['sessions']}."
        )
