"""Webhooks: register endpoints, write events in the change's transaction, list deliveries.

This app knows no booking: the apps above it build an event's ``data`` (the API's own object
for it) and call ``emit`` inside their own transaction, from the places that queue the same
change's emails. When no active endpoint wants the event type, ``emit`` returns at once
without touching the database: the set of wanted types is kept in the cache and dropped
whenever an endpoint changes.
"""

import json
import secrets
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.services import record
from common.tasks import enqueue_with_transaction
from webhooks import tasks
from webhooks.errors import InvalidEndpoint
from webhooks.models import Delivery, Endpoint, EventType, Message
from webhooks.subscriptions import forget_subscriptions, wants
from webhooks.transport import RefusedAddress, check_url, new_secret


def create_endpoint(*, url: str, events: list[str], by, description: str = "") -> Endpoint:
    """Register an endpoint; its ``secret`` is readable on the returned object (show it once)."""
    url = (url or "").strip()
    try:
        check_url(url)
    except RefusedAddress as refused:
        raise InvalidEndpoint(str(refused), errors={"url": [str(refused)]}) from None
    unknown = sorted(set(events) - set(EventType.values))
    if not events or unknown:
        detail = (
            f"Unknown event types: {', '.join(unknown)}." if unknown else "Choose an event type."
        )
        raise InvalidEndpoint(detail, errors={"events": [detail]})
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=url,
            events=sorted(set(events)),
            description=description.strip()[:200],
            secret=new_secret(),
            created_by=by,
        )
        record("webhook.created", actor=by, target=endpoint, events=endpoint.events)
        transaction.on_commit(forget_subscriptions)
    return endpoint


def delete_endpoint(endpoint: Endpoint, *, by) -> None:
    with transaction.atomic():
        record("webhook.deleted", actor=by, target=endpoint)
        endpoint.delete()
        transaction.on_commit(forget_subscriptions)


def enable_endpoint(endpoint: Endpoint, *, by) -> Endpoint:
    """Switch a disabled endpoint back on; what waited for it is sent again, in order."""
    now = timezone.now()
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            active=True, disabled_at=None, disabled_reason="", failing_since=None
        )
        Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
            next_attempt_at=now
        )
        record("webhook.enabled", actor=by, target=endpoint)
        transaction.on_commit(forget_subscriptions)
        transaction.on_commit(lambda: tasks.enqueue_due(endpoint_id=endpoint.pk))
    endpoint.refresh_from_db()
    return endpoint


def emit(event_type: str, data: dict, *, key: str, now: datetime | None = None) -> Message | None:
    """Write ``event_type`` with ``data`` for every active endpoint that wants it.

    Call inside the change's transaction: the message commits or rolls back with it. ``key``
    orders events (``booking-42``): an endpoint gets the events of one key in the order they
    were written; events of other keys never wait for them. Returns None, having asked the
    database nothing, when no endpoint wants the type.
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    if not wants(event_type):
        return None
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.active().only("pk", "events")
        if event_type in endpoint.events
    ]
    if not endpoints:
        return None
    now = now or timezone.now()
    body = json.dumps(
        {"type": event_type, "timestamp": now, "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    message = Message.objects.create(
        webhook_id=f"msg_{secrets.token_hex(16)}",
        type=event_type,
        body=body,
        ordering_key=key,
        created_at=now,
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(message=message, endpoint=endpoint, ordering_key=key, next_attempt_at=now)
        for endpoint in endpoints
    )
    for delivery in deliveries:
        enqueue_with_transaction(tasks.deliver_webhook, delivery_id=delivery.pk)
    return message
