"""The outbox's background task: send one message, and schedule its retry when it failed."""

from datetime import datetime

from django_tasks import task

from notifications.delivery import deliver_notification


@task()
def send_notification(*, notification_id: int) -> str:
    """Send one outbox message (at most once, however often this runs); return its status."""
    notification = deliver_notification(notification_id)
    if notification is None:
        return "missing"
    if getattr(notification, "retry_at", None):
        enqueue(notification.pk, run_after=notification.retry_at)
    return notification.status


def enqueue(notification_id: int, *, run_after: datetime | None = None) -> None:
    """Hand a message to the worker, now or at ``run_after``."""
    task = send_notification
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # Nothing to wait with (the immediate backend): the sweep sends it when it is due.
            return
        task = task.using(run_after=run_after)
    task.enqueue(notification_id=notification_id)
