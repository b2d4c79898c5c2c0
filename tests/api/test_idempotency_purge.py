"""Idempotency records go after 24 hours, in the worker's periodic round (no cron)."""

from datetime import timedelta

import pytest

from api.models import IdempotencyKey
from common.periodic import registered, run_periodic_jobs
from tests.factories import UserFactory, local

pytestmark = pytest.mark.django_db

NOW = local(2026, 6, 1, 9)


def test_the_periodic_round_purges_idempotency_records_older_than_a_day():
    person = UserFactory()
    for key, hours in [("old", 25), ("recent", 23)]:
        IdempotencyKey.objects.create(
            user=person,
            key=key,
            fingerprint="f" * 64,
            status_code=201,
            body={},
            created_at=NOW - timedelta(hours=hours),
        )

    results = run_periodic_jobs(now=NOW)

    assert "idempotency_purge" in registered()
    assert results["idempotency_purge"] == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
