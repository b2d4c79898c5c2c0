"""Apply the data retention policy; run daily (docs/data-protection.md)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from privacy.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Remove access needs, anonymise inactive people and remove never-used accounts as the "
        "retention policy says. Idempotent; works in batches."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what is due; change nothing."
        )
        parser.add_argument(
            "--now",
            help="Apply the policy as at this ISO date or datetime (UK time if no offset).",
        )
        parser.add_argument("--batch-size", type=int, help="Rows per transaction.")

    def handle(self, *args, dry_run: bool, now: str | None, batch_size: int | None, **options):
        run = apply_retention(now=self.moment(now), dry_run=dry_run, batch_size=batch_size)
        for line in run.report():
            self.stdout.write(line)

    def moment(self, text: str | None) -> datetime | None:
        if not text:
            return None
        moment = parse_datetime(text) or parse_datetime(f"{text}T00:00")
        if moment is None:
            raise CommandError(f"--now: not a date or datetime: {text!r}")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
