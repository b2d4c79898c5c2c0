"""Findings of the security review (issue 21) about personal data over time: API use counts
as activity, erasure leaves no window, audit actors outlive their accounts, idempotency records
go after a day."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models.signals import post_save
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import issue_api_token, user_for_api_token
from api.models import IdempotencyKey
from audit.models import AuditEvent
from audit.services import record
from booking.models import Booking
from privacy import services as privacy
from privacy.retention import apply_retention
from tests.factories import SessionFactory, UserFactory, local

pytestmark = pytest.mark.django_db

NOW = local(2026, 6, 1, 9)
DAY = timedelta(days=1)


def test_an_account_that_only_uses_the_api_is_kept_with_its_token():
    joined = NOW - settings.RETENTION_UNUSED_ACCOUNT - 100 * DAY
    api_user, idle = UserFactory.create_batch(2, date_joined=joined)
    for user in (api_user, idle):
        issue_api_token(user)
        ApiToken.objects.filter(user=user).update(created_at=joined)
    ApiToken.objects.filter(user=api_user).update(last_used_at=NOW - 2 * DAY)

    run = apply_retention(now=NOW)

    assert run.accounts_removed == 1
    assert list(User.objects.all()) == [api_user]
    assert ApiToken.objects.filter(user=api_user).count() == 1


def test_api_use_keeps_a_person_who_booked_long_ago_from_being_anonymised():
    long_ago = NOW - settings.RETENTION_INACTIVE - 30 * DAY
    api_user, idle = UserFactory.create_batch(2, date_joined=long_ago)
    session = SessionFactory(starts_at=long_ago, ends_at=long_ago + timedelta(hours=2))
    for user in (api_user, idle):
        Booking.objects.create(
            session=session, person=user, status="confirmed", created_at=long_ago
        )
        issue_api_token(user, ttl=None)
        ApiToken.objects.filter(user=user).update(created_at=long_ago)
    ApiToken.objects.filter(user=api_user).update(last_used_at=NOW - 10 * DAY)

    run = apply_retention(now=NOW)

    assert run.people_anonymised == 1
    api_user.refresh_from_db()
    idle.refresh_from_db()
    assert api_user.anonymised_at is None
    assert idle.anonymised_at is not None


def test_a_booking_attempted_during_erasure_does_not_survive(coordinator):
    """Erasure shuts the account (inactive, tokens revoked) before it cancels anything, and
    cancels and anonymises in one transaction: a booking request arriving in the middle (here:
    as the first cancellation is written) is refused and nothing is left for the anonymous
    account."""
    person = UserFactory()
    token = issue_api_token(person)
    booked_first = SessionFactory(capacity=5)
    other = SessionFactory(capacity=5)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.post(f"/api/v1/sessions/{booked_first.pk}/bookings/", {}).status_code == 201
    attempts = []

    def book_meanwhile(sender, instance, **kwargs):
        if instance.person_id == person.pk and instance.status == "cancelled" and not attempts:
            attempts.append(api.post(f"/api/v1/sessions/{other.pk}/bookings/", {}).status_code)

    post_save.connect(book_meanwhile, sender=Booking)
    try:
        erasure = privacy.erase_person(person, by=coordinator)
    finally:
        post_save.disconnect(book_meanwhile, sender=Booking)

    assert attempts == [401]
    assert len(erasure.cancelled) == 1
    assert not Booking.objects.active().filter(person=person).exists()
    assert user_for_api_token(token) is None


def test_audit_actors_survive_the_deletion_of_their_account():
    actor = UserFactory(email="cora@example.org")
    target = SessionFactory()
    record("session.changed", actor=actor, target=target)
    actor_id = actor.pk

    actor.delete()

    event = AuditEvent.objects.get()
    assert event.actor is None
    assert (event.actor_ref, event.actor_label) == (actor_id, "cora@example.org")
    assert event.actor_display == f"cora@example.org (#{actor_id})"


def test_an_anonymised_actor_keeps_the_id_under_an_anonymous_label(coordinator):
    actor = UserFactory(email="cora@example.org")
    record("session.changed", actor=actor, target=SessionFactory())

    privacy.erase_person(actor, by=coordinator)

    event = AuditEvent.objects.get(action="session.changed")
    assert (event.actor_ref, event.actor_label) == (
        actor.pk,
        f"anonymised-{actor.pk}@anonymised.invalid",
    )


def test_retention_purges_idempotency_records_after_24_hours():
    person = UserFactory()
    for key, age in [("old", 25), ("recent", 23)]:
        IdempotencyKey.objects.create(
            user=person,
            key=key,
            fingerprint="f" * 64,
            status_code=201,
            body={},
            created_at=NOW - timedelta(hours=age),
        )

    dry = apply_retention(now=NOW, dry_run=True)
    run = apply_retention(now=NOW)

    assert dry.purged == run.purged == {"idempotency records older than 24 hours": 1}
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert "- 1 idempotency records older than 24 hours were deleted" in run.report()
