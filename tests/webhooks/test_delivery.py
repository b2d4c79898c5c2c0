"""Delivery against a real HTTP receiver: signed, retried with backoff, in order per booking,
never lost; the same webhook-id and body on every retry."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from booking import services as booking_services
from tests import factories
from webhooks.delivery import retry_delay
from webhooks.models import Attempt, Delivery, Endpoint, EventType, Message
from webhooks.tasks import send_due

ALL_EVENTS = EventType.values


def verified(received, secret):
    """Each request verified with the standardwebhooks library, as a receiver would."""
    return [Webhook(secret).verify(request.body, request.headers) for request in received]


@pytest.mark.django_db
def test_a_booking_is_delivered_signed_with_the_api_object(endpoint_for, receiver, person):
    endpoint = endpoint_for(receiver.url)
    session = factories.SessionFactory(capacity=3)
    booking = booking_services.book_session(session, person=person)

    assert send_due() == 1
    [request] = receiver.requests
    [payload] = verified(receiver.requests, endpoint.secret)
    assert payload["type"] == "booking.created"
    assert payload["data"]["id"] == booking.pk
    assert payload["data"]["status"] == "confirmed"
    assert payload["data"]["event"]["slug"] == session.event.slug
    assert "access_needs" not in payload["data"]
    message = Message.objects.get()
    assert request.headers["webhook-id"] == message.webhook_id
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    assert request.body.decode() == message.body
    assert set(json.loads(message.body)) == {"type", "timestamp", "data"}
    attempt = Attempt.objects.get()
    assert (attempt.status_code, attempt.error, attempt.number) == (204, "", 1)


@pytest.mark.django_db
def test_a_wrong_secret_does_not_verify(endpoint_for, receiver, person):
    endpoint_for(receiver.url)
    booking_services.book_session(factories.SessionFactory(), person=person)
    send_due()
    other = Endpoint(secret="whsec_" + "A" * 43 + "=").secret
    with pytest.raises(Exception, match="signature"):
        Webhook(other).verify(receiver.requests[0].body, receiver.requests[0].headers)


@pytest.mark.django_db
def test_unsubscribed_types_and_rolled_back_changes_send_nothing(endpoint_for, receiver, person):
    endpoint_for(receiver.url, events=["session.cancelled"])
    session = factories.SessionFactory()
    booking_services.book_session(session, person=person)
    with pytest.raises(Exception, match="already"):
        booking_services.book_session(session, person=person)
    assert Message.objects.count() == 0
    assert send_due() == 0
    assert receiver.requests == []


def test_the_retry_schedule_meets_the_contract(settings):
    """First retry within 30 seconds; at least 8 attempts spanning at least 12 hours."""
    delays = []
    attempts = 1
    while (delay := retry_delay(attempts)) is not None:
        delays.append(delay)
        attempts += 1
    assert delays[0] <= timedelta(seconds=30)
    assert attempts >= 8
    assert sum(delays, timedelta()) >= timedelta(hours=12)


@pytest.mark.django_db
def test_a_failing_receiver_gets_every_event_once_it_recovers(endpoint_for, receiver, coordinator):
    """The receiver is down for part of a journey: every event arrives after it recovers, in
    order per booking, duplicates (it failed after processing) carry the same id and body."""
    endpoint = endpoint_for(receiver.url, events=ALL_EVENTS)
    session = factories.SessionFactory(capacity=1)
    first, second, third = (factories.UserFactory() for _ in range(3))
    a = booking_services.book_session(session, person=first)
    start = timezone.now()
    assert send_due(start) == 1  # delivered while up

    # Down: the journey goes on; nothing is lost.
    receiver.up = False
    b = booking_services.book_session(session, person=second)  # waitlisted
    c = booking_services.book_session(session, person=third)  # waitlisted
    booking_services.cancel_booking(a, by=first)  # a cancelled, b promoted
    booking_services.update_session(
        session,
        by=coordinator,
        starts_at=session.starts_at + timedelta(hours=1),
        ends_at=session.ends_at + timedelta(hours=1),
    )
    booking_services.cancel_booking(b, by=second)  # b cancelled, c promoted
    start = timezone.now()
    send_due(start)
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == 1
    failed_once = len(receiver.requests) - 1
    assert failed_once >= 1

    # Back up, but the first answer of each retry is lost after processing: retried again.
    receiver.up = True
    answers = iter([500, 500])
    receiver.respond = lambda n: next(answers, 200)
    later = start
    for _ in range(6):
        later += timedelta(hours=1)
        send_due(later)
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()

    payloads = verified(receiver.requests, endpoint.secret)
    ids = [request.headers["webhook-id"] for request in receiver.requests]
    # Every event arrived; duplicates repeat the same id with the same body.
    messages = list(Message.objects.order_by("pk"))
    assert set(ids) == {message.webhook_id for message in messages}
    by_id = {}
    for request in receiver.requests:
        by_id.setdefault(request.headers["webhook-id"], set()).add(request.body)
    assert all(len(bodies) == 1 for bodies in by_id.values())
    assert len(ids) > len(set(ids))
    # After deduplication, each booking's events arrived in the order they happened.
    first_seen = []
    for webhook_id, payload in zip(ids, payloads, strict=True):
        if webhook_id not in [seen for seen, _ in first_seen]:
            first_seen.append((webhook_id, payload))
    for booking in (a, b, c):
        got = [
            p["type"]
            for _, p in first_seen
            if p["data"].get("id") == booking.pk and p["type"].startswith("booking.")
        ]
        written = [
            json.loads(m.body)["type"]
            for m in messages
            if m.ordering_key == f"booking-{booking.pk}"
        ]
        assert got == written
    assert [p["type"] for _, p in first_seen].count("session.changed") == 1
    assert {json.loads(m.body)["type"] for m in messages} >= {
        "booking.created",
        "booking.cancelled",
        "booking.promoted",
        "session.changed",
    }


@pytest.mark.django_db
def test_one_events_retries_never_hold_back_another_bookings(endpoint_for, receiver, person):
    """A failing event of one booking waits for its retry; another booking's event goes now."""
    endpoint_for(receiver.url)
    session = factories.SessionFactory()
    receiver.respond = lambda n: 500 if n == 1 else 204
    booking_services.book_session(session, person=person)
    now = timezone.now()
    send_due(now)
    other = booking_services.book_session(session, person=factories.UserFactory())
    send_due(now + timedelta(seconds=1))
    delivered = Delivery.objects.get(status=Delivery.Status.DELIVERED)
    assert json.loads(delivered.message.body)["data"]["id"] == other.pk
    waiting = Delivery.objects.get(status=Delivery.Status.PENDING)
    assert waiting.attempts == 1
    assert waiting.next_attempt_at - now <= timedelta(seconds=30)
    send_due(now + timedelta(seconds=30))
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()


@pytest.mark.django_db
def test_attempts_run_out_and_the_endpoint_is_switched_off_after_three_days(
    endpoint_for,
    receiver,
    person,
    coordinator,
    mailoutbox,
    tasks_run_at_once,
    django_capture_on_commit_callbacks,
):
    endpoint = endpoint_for(receiver.url)
    receiver.status = 500
    booking_services.book_session(factories.SessionFactory(), person=person)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for hours in range(0, 80, 2):
            send_due(now + timedelta(hours=hours))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == len(receiver.requests) >= 8
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_reason
    assert [mail.to for mail in mailoutbox] == [[f"{coordinator.full_name} <{coordinator.email}>"]]
    assert endpoint.url in mailoutbox[0].body
    # Switched off: it wants nothing, so a new booking writes nothing for it.
    booking_services.book_session(factories.SessionFactory(), person=factories.UserFactory())
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_the_worker_task_delivers_on_commit(
    endpoint_for, receiver, person, tasks_run_at_once, django_capture_on_commit_callbacks
):
    endpoint_for(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.book_session(factories.SessionFactory(), person=person)
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


@pytest.mark.django_db
def test_the_worker_round_hands_due_retries_to_the_worker(
    endpoint_for, receiver, person, tasks_run_at_once
):
    from common.periodic import registered, run_periodic_jobs

    assert "webhook_sweep" in registered()
    endpoint_for(receiver.url)
    receiver.respond = lambda n: 500 if n == 1 else 204
    booking_services.book_session(factories.SessionFactory(), person=person)
    send_due()
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    Delivery.objects.update(next_attempt_at=timezone.now())  # the retry's time has come
    run_periodic_jobs()
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED
    assert len(receiver.requests) == 2
