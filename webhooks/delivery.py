"""Deliver one webhook message to one endpoint, at least once, in order per key.

A delivery is claimed with one conditional UPDATE (pending, due, its endpoint active, and no
earlier message of the same key still waiting for that endpoint → sending), so two workers or
a repeated task never send it at the same time, and a later event of a booking never overtakes
an earlier one. A failure is recorded as an attempt and retried on ``WEBHOOK_RETRY_SCHEDULE``;
events of other keys are not held back. When a delivery succeeds, the next waiting message of
its key is handed to the worker. An endpoint that has failed without a single success for
``WEBHOOK_DISABLE_AFTER`` is switched off and the coordinators are told.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from webhooks.messages import tell_coordinators_disabled
from webhooks.models import Attempt, Delivery, Endpoint
from webhooks.subscriptions import forget_subscriptions
from webhooks.transport import post

logger = logging.getLogger(__name__)

WAITING = (Delivery.Status.PENDING, Delivery.Status.SENDING)


def retry_delay(attempts: int) -> timedelta | None:
    """How long after its ``attempts``-th failed attempt a delivery is tried again (None: no
    more attempts)."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempts >= len(schedule) + 1:
        return None
    return timedelta(seconds=schedule[attempts - 1])


def earlier_waiting():
    """An earlier message of the same key still waiting for the same endpoint."""
    return Delivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        ordering_key=OuterRef("ordering_key"),
        status__in=WAITING,
        pk__lt=OuterRef("pk"),
    )


def deliver(delivery_id: int, *, now: datetime | None = None) -> Delivery | None:
    """Send one due delivery if it may go now; return it (with ``retry_at`` when the caller
    should try again later), or None when it was not claimed."""
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(
            pk=delivery_id,
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__active=True,
        )
        .filter(~Exists(earlier_waiting()))
        .update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("message", "endpoint").get(pk=delivery_id)
    endpoint, message = delivery.endpoint, delivery.message
    outcome = post(
        endpoint.url, secret=endpoint.secret, webhook_id=message.webhook_id, body=message.body
    )
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            attempted_at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        if outcome.succeeded:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.save(update_fields=["status", "delivered_at"])
            if endpoint.failing_since is not None:
                Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        else:
            _record_failure(delivery, endpoint, now=now)
    logger.info(
        "webhook delivery id=%s attempt=%s status=%s code=%s",
        delivery.pk,
        delivery.attempts,
        delivery.status,
        outcome.status_code,
    )
    return delivery


def _record_failure(delivery: Delivery, endpoint: Endpoint, *, now) -> None:
    delay = retry_delay(delivery.attempts)
    if delay is None:
        delivery.status = Delivery.Status.FAILED
    else:
        delivery.status = Delivery.Status.PENDING
        delivery.next_attempt_at = now + delay
        delivery.retry_at = delivery.next_attempt_at
    delivery.save(update_fields=["status", "next_attempt_at"])
    if endpoint.failing_since is None:
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        )
    elif now - endpoint.failing_since >= settings.WEBHOOK_DISABLE_AFTER:
        disable(endpoint, now=now)


def disable(endpoint: Endpoint, *, now) -> bool:
    """Switch off an endpoint that keeps failing and tell the coordinators (once)."""
    days = settings.WEBHOOK_DISABLE_AFTER.days
    reason = f"Every delivery failed for {days} days."
    switched = Endpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason
    )
    if switched:
        transaction.on_commit(forget_subscriptions)
        tell_coordinators_disabled(endpoint)
        logger.warning("webhook endpoint disabled id=%s", endpoint.pk)
    return bool(switched)


def disable_failing(now: datetime | None = None) -> int:
    """Switch off every endpoint that has not had a success for ``WEBHOOK_DISABLE_AFTER`` (the
    sweep asks, so an endpoint whose last event ran out of attempts is not missed)."""
    now = now or timezone.now()
    failing = Endpoint.objects.active().filter(
        failing_since__lte=now - settings.WEBHOOK_DISABLE_AFTER
    )
    return sum(disable(endpoint, now=now) for endpoint in failing)


def next_in_line(delivery: Delivery) -> list[int]:
    """The first waiting delivery of the same endpoint and key, now free to go."""
    following = (
        Delivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            ordering_key=delivery.ordering_key,
            status=Delivery.Status.PENDING,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:1]
    )
    return list(following)


def due(now: datetime | None = None, *, endpoint_id: int | None = None) -> list[int]:
    """Deliveries that are due and first in line for their key (the sweep's work)."""
    now = now or timezone.now()
    deliveries = Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__active=True
    ).filter(~Exists(earlier_waiting()))
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    return list(deliveries.order_by("pk").values_list("pk", flat=True))


def release_stuck(now: datetime | None = None) -> int:
    """Deliveries left "sending" by a worker that died go back to pending: sent again (the
    receiver deduplicates by ``webhook-id``), never lost."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING,
        last_attempt_at__lt=now - settings.WEBHOOK_STUCK_AFTER,
    ).update(status=Delivery.Status.PENDING, next_attempt_at=now)
