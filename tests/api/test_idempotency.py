from datetime import timedelta

import time_machine
from django.utils import timezone

from api.models import IdempotencyKey
from booking.models import Booking
from tests import factories


def post_booking_with_key(client, session, key, body=None):
    return client.post(
        f"/api/v1/sessions/{session.pk}/bookings/",
        body or {},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_retry_with_the_same_key_replays_the_first_response(api, session, person):
    client = api(person)
    first = post_booking_with_key(client, session, "a1b2c3")

    retry = post_booking_with_key(client, session, "a1b2c3")

    assert retry.status_code == first.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(person=person).count() == 1


def test_replay_keeps_a_refusal(api, person):
    session = factories.SessionFactory(capacity=1, waitlist_enabled=False)
    taken = factories.UserFactory()
    client = api(person)
    assert post_booking_with_key(api(taken), session, "k").status_code == 201
    first = post_booking_with_key(client, session, "k")

    retry = post_booking_with_key(client, session, "k")

    assert first.status_code == retry.status_code == 409
    assert retry.json() == {
        "code": "session_full",
        "detail": "This session is full and its waitlist is closed.",
    }


def test_same_key_for_a_different_request_is_refused(api, session, person):
    client = api(person)
    post_booking_with_key(client, session, "k")
    other_session = factories.SessionFactory()

    response = post_booking_with_key(client, other_session, "k")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not Booking.objects.filter(session=other_session).exists()


def test_keys_belong_to_one_person(api, session, person):
    other = factories.UserFactory()
    post_booking_with_key(api(person), session, "shared")

    response = post_booking_with_key(api(other), session, "shared")

    assert response.status_code == 201
    assert Booking.objects.filter(session=session).count() == 2


def test_without_a_key_a_retry_is_a_second_attempt(api, session, person):
    client = api(person)
    client.post(f"/api/v1/sessions/{session.pk}/bookings/", {}, format="json")

    response = client.post(f"/api/v1/sessions/{session.pk}/bookings/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "already_booked"


def test_an_expired_key_starts_afresh(api, session, person):
    client = api(person)
    first = post_booking_with_key(client, session, "k")
    client.post(f"/api/v1/bookings/{first.json()['id']}/cancel/")

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        again = post_booking_with_key(client, session, "k")

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.filter(user=person, key="k").count() == 1


def test_malformed_key_is_a_validation_error(api, session, person):
    response = post_booking_with_key(api(person), session, "x" * 256)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "Idempotency-Key": ["Use 1 to 255 visible ASCII characters, for example a UUID."]
    }
