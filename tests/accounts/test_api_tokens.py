"""When an API token works: its owner is active, it is not revoked, and it has not expired."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import LAST_USED_RESOLUTION, issue_api_token, user_for_api_token

pytestmark = pytest.mark.django_db


def test_a_new_token_finds_its_owner(person):
    raw = issue_api_token(person)

    assert user_for_api_token(raw) == person


def test_an_unknown_token_finds_nobody(person):
    issue_api_token(person)

    assert user_for_api_token("not-a-real-token") is None


def test_a_revoked_token_stops_working(person):
    raw = issue_api_token(person)
    ApiToken.objects.filter(user=person).update(revoked_at=timezone.now())

    assert user_for_api_token(raw) is None


@pytest.mark.parametrize(
    ("expires_in", "works"),
    [(timedelta(minutes=1), True), (timedelta(0), False), (timedelta(minutes=-1), False)],
)
def test_a_token_works_until_it_expires(person, expires_in, works):
    raw = issue_api_token(person)
    ApiToken.objects.filter(user=person).update(expires_at=timezone.now() + expires_in)

    assert (user_for_api_token(raw) == person) is works


def test_a_token_without_an_expiry_keeps_working(person):
    raw = issue_api_token(person, ttl=timedelta(0))

    assert ApiToken.objects.get(user=person).expires_at is None
    assert user_for_api_token(raw) == person


def test_a_deactivated_persons_token_stops_working(person):
    raw = issue_api_token(person)
    person.is_active = False
    person.save(update_fields=["is_active"])

    assert user_for_api_token(raw) is None


def test_the_rule_is_the_models(person):
    now = timezone.now()
    token = ApiToken(user=person, expires_at=now + timedelta(days=1))

    assert token.is_active(now)
    assert not token.is_active(now + timedelta(days=1))
    token.revoked_at = now
    assert not token.is_active(now)


def test_use_is_recorded_at_most_hourly_and_costs_one_query_otherwise(person):
    raw = issue_api_token(person)

    with CaptureQueriesContext(connection) as first:
        user_for_api_token(raw)
    recorded = ApiToken.objects.get(user=person).last_used_at
    with CaptureQueriesContext(connection) as second:
        user_for_api_token(raw)

    # PostgreSQL writes last_used_at in the lookup's own statement; SQLite needs an UPDATE.
    assert len(first) == (1 if connection.vendor == "postgresql" else 2)
    assert recorded is not None
    assert len(second) == 1
    ApiToken.objects.filter(user=person).update(last_used_at=recorded - LAST_USED_RESOLUTION)
    user_for_api_token(raw)
    assert ApiToken.objects.get(user=person).last_used_at > recorded


def test_a_revoked_token_is_refused_by_the_api(client, person):
    raw = issue_api_token(person)
    ApiToken.objects.filter(user=person).update(revoked_at=timezone.now())

    response = client.get("/api/v1/bookings/", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("revoked", [False, True])
@pytest.mark.parametrize("expired", [False, True])
@pytest.mark.parametrize("owner_active", [True, False])
@pytest.mark.parametrize("last_used", [None, "recent", "stale"])
def test_use_is_recorded_exactly_when_the_token_is_accepted(
    person, revoked, expired, owner_active, last_used
):
    """On PostgreSQL the write is SQL of its own (accounts.services._touch_sql): it must agree
    with ApiToken.is_active and the owner's is_active, the rule the lookup applies."""
    now = timezone.now()
    raw = issue_api_token(person)
    previous = {
        None: None,
        "recent": now - LAST_USED_RESOLUTION / 2,
        "stale": now - 2 * LAST_USED_RESOLUTION,
    }[last_used]
    ApiToken.objects.filter(user=person).update(
        revoked_at=now - timedelta(minutes=1) if revoked else None,
        expires_at=now - timedelta(minutes=1) if expired else now + timedelta(days=1),
        last_used_at=previous,
    )
    person.is_active = owner_active
    person.save(update_fields=["is_active"])

    accepted = user_for_api_token(raw) is not None

    assert accepted == (not revoked and not expired and owner_active)
    recorded = ApiToken.objects.get(user=person).last_used_at
    if accepted and last_used != "recent":
        assert recorded is not None
        assert recorded > now - timedelta(minutes=1)
    else:
        assert recorded == previous
