"""Links that grant access cannot be guessed, and are not kept where a leak would expose them."""

import pytest
from sesame.utils import get_token

from accounts.models import ApiToken
from accounts.services import issue_api_token, renew_feed_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_feed_tokens_are_long_random_and_distinct():
    people = UserFactory.create_batch(20)
    tokens = {person.feed_token for person in people}

    assert len(tokens) == 20
    assert min(len(token) for token in tokens) >= 43  # 32 random bytes, URL-safe


def test_personal_feed_answers_only_to_the_current_token(client, person):
    old = person.feed_token

    assert client.get(f"/calendar/me/{old}.ics").status_code == 200
    assert client.get(f"/calendar/me/{old[:-1]}x.ics").status_code == 404

    new = renew_feed_token(person)

    assert client.get(f"/calendar/me/{old}.ics").status_code == 404
    assert client.get(f"/calendar/me/{new}.ics").status_code == 200


def test_api_tokens_are_stored_hashed(person):
    raw = issue_api_token(person)

    stored = ApiToken.objects.get(user=person)
    assert len(raw) >= 43
    assert raw not in {stored.key_hash, stored.prefix}
    assert stored.prefix == raw[:8]


def test_sign_in_link_works_once(client, person):
    token = get_token(person)

    first = client.post("/sign-in/link/", {"token": token})
    client.logout()
    second = client.post("/sign-in/link/", {"token": token})

    assert first.status_code == 302
    assert second.status_code == 400
