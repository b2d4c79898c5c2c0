"""Background tasks: thin wrappers that take ids and call a service."""

from django_tasks import task

from notifications import services


@task()
def queue_booking_made_message(*, ical_uid: str) -> None:
    """Render and queue the message about a new booking, off the request that made it."""
    services.booking_made(ical_uid=ical_uid)


@task()
def queue_booking_messages(*, booking_ids: list[int], kind: str) -> None:
    """Render and queue the messages about a booking change (one per booking, e.g. everyone
    promoted by one capacity rise), off the request that made it."""
    services.booking_changed(booking_ids=booking_ids, kind=kind)


@task()
def send_notification(*, notification_id: int) -> str:
    """Send one outbox message (at most once, however often this runs); return its status."""
    notification = services.deliver_notification(notification_id)
    return notification.status if notification else "missing"
