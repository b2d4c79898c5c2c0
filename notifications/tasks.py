"""Background tasks: thin wrappers that take ids and call a service."""

from django_tasks import task

from notifications import services


@task()
def queue_booking_message(*, booking_id: int, kind: str) -> None:
    """Render and queue the message about one booking change, off the request that made it."""
    services.booking_changed(booking_id=booking_id, kind=kind)


@task()
def send_notification(*, notification_id: int) -> str:
    """Send one outbox message (at most once, however often this runs); return its status."""
    notification = services.deliver_notification(notification_id)
    return notification.status if notification else "missing"
