from django.core.management.base import BaseCommand

from webhooks.tasks import send_due


class Command(BaseCommand):
    help = (
        "Send every due webhook delivery (retries whose task was lost, deliveries a stopped "
        "worker left half-done). Safe to run often, e.g. every minute from cron."
    )

    def handle(self, *args, **options):
        sent = send_due()
        self.stdout.write(f"{sent} webhook deliveries attempted")
