"""The worker's side of webhooks: send one delivery, schedule its retry, release the next."""

from datetime import datetime

from django_tasks import task

from webhooks import delivery as deliveries
from webhooks.models import Delivery


@task()
def deliver_webhook(*, delivery_id: int) -> str:
    """Send one delivery if it is due and first in line; return what became of it."""
    delivery = deliveries.deliver(delivery_id)
    if delivery is None:
        return "not_claimed"
    if getattr(delivery, "retry_at", None):
        enqueue(delivery.pk, run_after=delivery.retry_at)
    if delivery.status in (Delivery.Status.DELIVERED, Delivery.Status.FAILED):
        for following in deliveries.next_in_line(delivery):
            enqueue(following)
    return delivery.status


@task()
def send_due_webhooks() -> int:
    """The sweep: release deliveries a dead worker left, then send every due one."""
    return send_due()


def send_due(now: datetime | None = None, *, endpoint_id: int | None = None) -> int:
    """Send due deliveries here and now, first in line first, until none is left to send."""
    deliveries.release_stuck(now)
    deliveries.disable_failing(now)
    sent = 0
    while True:
        ready = deliveries.due(now, endpoint_id=endpoint_id)
        progressed = False
        for delivery_id in ready:
            delivery = deliveries.deliver(delivery_id, now=now)
            if delivery is not None:
                sent += 1
                progressed = True
        if not progressed:
            return sent


def sweep(*, now: datetime | None = None) -> int:
    """The worker's periodic round: release stuck deliveries, switch off endpoints failing for
    too long, and hand every due delivery to the worker (which claims it, so a duplicate task
    sends nothing twice). Returns how many were handed over."""
    deliveries.release_stuck(now)
    deliveries.disable_failing(now)
    due = deliveries.due(now)
    for delivery_id in due:
        enqueue(delivery_id)
    return len(due)


def enqueue_due(*, endpoint_id: int | None = None) -> None:
    for delivery_id in deliveries.due(endpoint_id=endpoint_id):
        enqueue(delivery_id)


def enqueue(delivery_id: int, *, run_after: datetime | None = None) -> None:
    """Hand a delivery to the worker, now or at ``run_after``."""
    work = deliver_webhook
    if run_after is not None:
        if not work.get_backend().supports_defer:
            return  # nothing to wait with: the sweep (send_webhooks) sends it when due
        work = work.using(run_after=run_after)
    work.enqueue(delivery_id=delivery_id)
