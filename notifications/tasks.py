"""Background tasks: thin wrappers that take ids and call a service."""

from django_tasks import task

from notifications import services


@task()
def send_notification(*, notification_id: int) -> str:
    """Send one outbox message (at most once, however often this runs); return its status."""
    notification = services.deliver_notification(notification_id)
    return notification.status if notification else "missing"
