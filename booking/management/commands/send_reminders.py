from django.core.management.base import BaseCommand

from booking.messages import queue_lost_new_booking_messages, queue_reminders
from notifications.services import requeue_stale


class Command(BaseCommand):
    help = (
        "Queue the reminders that are due (once per booking), write the messages of new "
        "bookings whose task was lost and re-enqueue outbox messages that lost their task. "
        "Run it from cron every 10-15 minutes (docs/email.md)."
    )

    def handle(self, *args, **options):
        reminders = queue_reminders()
        lost = queue_lost_new_booking_messages()
        swept = requeue_stale()
        self.stdout.write(
            f"Reminders queued: {len(reminders)}. Lost booking messages written: {lost}. "
            f"Stale messages queued again: "
            f"{swept['requeued']}. Interrupted sends marked failed: {swept['interrupted']}."
        )
