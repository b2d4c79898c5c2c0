"""The curl walk-through from docs/api.md, over real HTTP against a live server."""

import io
import json
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command

from tests import factories


def create_api_token(email: str, *args: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", email, *args, stdout=out)
    return out.getvalue().splitlines()[-1]


def curl(base: str, method: str, path: str, token: str, body: dict | None = None):
    """``curl -X METHOD -H "Authorization: Bearer ..." [-d JSON] URL``: (status, JSON)."""
    request = urllib.request.Request(  # noqa: S310 - the live test server's http URL
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - as above
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as failure:
        return failure.code, json.loads(failure.read())


@pytest.mark.django_db(transaction=True)
def test_book_wait_cancel_and_promote_with_curl(live_server):
    session = factories.SessionFactory(capacity=1, event__title="Voice of the Child")
    alice = create_api_token("alice@example.org", "--create")
    bob = create_api_token("bob@example.org", "--create")
    api = live_server.url + "/api/v1"

    status, listing = curl(api, "GET", "/sessions/?available=true", alice)
    assert status == 200
    assert [(s["id"], s["places_left"]) for s in listing["results"]] == [(session.pk, 1)]

    status, alices = curl(api, "POST", f"/sessions/{session.pk}/bookings/", alice, {})
    assert (status, alices["status"], alices["waitlist_position"]) == (201, "confirmed", None)

    status, bobs = curl(api, "POST", f"/sessions/{session.pk}/bookings/", bob, {})
    assert (status, bobs["status"], bobs["waitlist_position"]) == (201, "waitlisted", 1)

    status, cancelled = curl(api, "POST", f"/bookings/{alices['id']}/cancel/", alice, {})
    assert (status, cancelled["status"]) == (200, "cancelled")

    status, promoted = curl(api, "GET", f"/bookings/{bobs['id']}/", bob)
    assert (status, promoted["status"], promoted["waitlist_position"]) == (200, "confirmed", None)
    status, detail = curl(api, "GET", f"/sessions/{session.pk}/", bob)
    assert (detail["confirmed_count"], detail["waitlist_length"], detail["places_left"]) == (
        1,
        0,
        0,
    )
