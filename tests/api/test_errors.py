"""Every error the API promises: its status, its code, always JSON, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Booking
from booking.services import book_session, cancel_session
from tests import factories


def error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def post_booking(client, session):
    return client.post(f"/api/v1/sessions/{session.pk}/bookings/", {}, format="json")


def test_already_booked(api, session, person):
    client = api(person)
    post_booking(client, session)

    error(post_booking(client, session), 409, "already_booked")


def test_session_full(api, person):
    session = factories.SessionFactory(capacity=1, waitlist_enabled=False)
    book_session(session, person=factories.UserFactory())

    error(post_booking(api(person), session), 409, "session_full")


def test_booking_closed(api, person):
    session = factories.SessionFactory(booking_opens_at=timezone.now() + timedelta(days=1))

    error(post_booking(api(person), session), 409, "booking_closed")


def test_session_cancelled(api, session, person, coordinator):
    cancel_session(session, by=coordinator, reason="Trainer unwell")

    error(post_booking(api(person), session), 409, "session_cancelled")


def test_session_started(api, person):
    now = timezone.now()
    session = factories.SessionFactory(
        starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2)
    )

    error(post_booking(api(person), session), 409, "session_started")


def test_capacity_below_confirmed(api, session, coordinator):
    book_session(session, person=factories.UserFactory())
    book_session(session, person=factories.UserFactory())

    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/", {"capacity": 1}, format="json"
    )

    body = error(response, 409, "capacity_below_confirmed")
    assert body["detail"] == "2 places are confirmed; capacity cannot go below that."
    session.refresh_from_db()
    assert session.capacity == 2


def test_already_cancelled(api, session, person):
    client = api(person)
    booking_id = post_booking(client, session).json()["id"]
    client.post(f"/api/v1/bookings/{booking_id}/cancel/")

    error(client.post(f"/api/v1/bookings/{booking_id}/cancel/"), 409, "already_cancelled")


def test_attendance_too_early(api, session, person, trainer):
    booking = book_session(session, person=person)

    response = api(trainer).post(
        f"/api/v1/bookings/{booking.pk}/attendance/", {"attendance": "attended"}, format="json"
    )

    error(response, 409, "attendance_too_early")


def test_validation_error_lists_fields(api, session, coordinator):
    response = api(coordinator).post(
        "/api/v1/sessions/",
        {"event": session.event_id, "starts_at": "soon", "capacity": 0},
        format="json",
    )

    body = error(response, 400, "validation_error")
    assert body["errors"] == {
        "starts_at": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ],
        "ends_at": ["This field is required."],
        "capacity": ["Ensure this value is greater than or equal to 1."],
    }


def test_validation_error_from_the_rules_names_the_field(api, session, coordinator):
    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/",
        {"ends_at": (session.starts_at - timedelta(hours=1)).isoformat()},
        format="json",
    )

    body = error(response, 400, "validation_error")
    assert body["errors"] == {"ends_at": ["The session must end after it starts."]}


def test_not_authenticated_asks_for_a_bearer_token(api, session):
    response = post_booking(api(), session)

    error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_unknown_token_is_not_authenticated(api, session):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")

    response = client.get("/api/v1/sessions/")

    body = error(response, 401, "not_authenticated")
    assert body["detail"] == "Invalid or expired token."
    assert response["WWW-Authenticate"] == "Bearer"


def test_permission_denied(api, session, person):
    response = api(person).post(
        f"/api/v1/sessions/{session.pk}/cancel/", {"reason": "No"}, format="json"
    )

    error(response, 403, "permission_denied")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/999999/",
        "/api/v1/sessions/99999999999999999999999999/",
        "/api/v1/programmes/no-such-programme/",
        "/api/v1/events/no-such-event/",
        "/api/v1/no-such-endpoint/",
        "/api/v1/sessions",
        "/api/v2/sessions/",
        "/api/v1/sessions/?page=99",
        "/api/v1/sessions/?format=xml",
    ],
)
def test_not_found_is_json(api, db, path):
    error(api().get(path), 404, "not_found")


def test_someone_elses_booking_is_not_found(api, session, person):
    booking = book_session(session, person=factories.UserFactory())

    error(api(person).get(f"/api/v1/bookings/{booking.pk}/"), 404, "not_found")
    error(api(person).post(f"/api/v1/bookings/{booking.pk}/cancel/"), 404, "not_found")
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_unpublished_session_is_not_found_except_for_coordinators(api, person, coordinator):
    session = factories.SessionFactory(event__programme__published=False)

    error(api(person).get(f"/api/v1/sessions/{session.pk}/"), 404, "not_found")
    error(post_booking(api(person), session), 404, "not_found")
    assert api(coordinator).get(f"/api/v1/sessions/{session.pk}/").status_code == 200
    assert post_booking(api(coordinator), session).status_code == 201
    assert Booking.objects.filter(session=session).count() == 1  # the coordinator's only


def test_booking_a_session_that_does_not_exist_is_not_found(api, person):
    response = api(person).post("/api/v1/sessions/987654/bookings/", {}, format="json")

    error(response, 404, "not_found")
    assert Booking.objects.count() == 0


def test_throttled_booking_says_when_to_retry(api, person, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "booking": "2/minute",
        },
    }
    client = api(person)
    sessions = [
        factories.SessionFactory(starts_at=factories.next_week_at(hour)) for hour in (9, 12, 15)
    ]
    assert [post_booking(client, s).status_code for s in sessions[:2]] == [201, 201]

    response = post_booking(client, sessions[2])

    error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60


def test_anonymous_reads_are_throttled_per_address(api, db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "1/minute",
        },
    }
    client = api()
    assert client.get("/api/v1/themes/").status_code == 200

    error(client.get("/api/v1/themes/"), 429, "throttled")


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"access_needs": "\xff\xfe"}', b"\xff\xfe\xfd", b'{"a": NaN}'],
    ids=["malformed", "non-utf8 inside", "non-utf8", "not a number"],
)
def test_parse_error(api, session, person, body):
    response = api(person).post(
        f"/api/v1/sessions/{session.pk}/bookings/", body, content_type="application/json"
    )

    error(response, 400, "parse_error")


def test_unsupported_media_type(api, session, person):
    response = api(person).post(
        f"/api/v1/sessions/{session.pk}/bookings/", "hello", content_type="text/plain"
    )

    error(response, 415, "unsupported_media_type")


def test_method_not_allowed(api, session, coordinator):
    error(api(coordinator).delete(f"/api/v1/sessions/{session.pk}/"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "changes",
    [
        {"capacity": 10**30},
        {"capacity": -1},
        {"capacity": "many"},
        {"capacity": 2.5},
        {"capacity": None},
        {"starts_at": "9999-12-31T23:59:59-12:00"},
        {"starts_at": "0001-01-01T00:00:00+14:00"},
        {"starts_at": 12},
        {"venue": 10**30},
        {"venue": -3},
        {"venue": "x"},
        {"trainers": [10**30]},
        {"trainers": "1"},
        {"event": {"id": 1}},
        {"join_url": "not a url"},
        {"join_url": "https://example.org/\x00"},
        {"delivery": "teleport"},
        {"waitlist_enabled": "perhaps"},
        {"booking_opens_at": "2000-01-01T00:00:00Z"},
    ],
)
def test_bad_session_changes_are_validation_errors(api, session, coordinator, changes):
    response = api(coordinator).patch(f"/api/v1/sessions/{session.pk}/", changes, format="json")

    error(response, 400, "validation_error")


def test_overflowing_number_is_a_validation_error(api, session, coordinator):
    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/",
        b'{"capacity": 1e999999}',
        content_type="application/json",
    )

    assert error(response, 400, "validation_error")["errors"] == {
        "capacity": ["A valid integer is required."]
    }


@pytest.mark.parametrize("body", [[], "text", 12, {"access_needs": ["a"]}])
def test_bad_booking_bodies_are_validation_errors(api, session, person, body):
    response = api(person).post(f"/api/v1/sessions/{session.pk}/bookings/", body, format="json")

    error(response, 400, "validation_error")


@pytest.mark.parametrize(
    "query",
    [
        "starts_after=yesterday",
        "starts_after=0001-01-01T00:00:00%2B14:00",
        "starts_before=99999-01-01",
        "delivery=teleport",
        "page_size=-5&page=-1",
    ],
)
def test_bad_filters_never_fail_the_server(api, db, query):
    response = api().get(f"/api/v1/sessions/?{query}")

    assert response.status_code in {200, 400, 404}
    assert "code" in response.json() or "results" in response.json()


def test_server_error_is_json_under_api(rf):
    from api.errors import server_error

    response = server_error(rf.get("/api/v1/sessions/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.content == (
        b'{"code": "server_error", "detail": "Something went wrong on our side."}'
    )


def test_errors_are_json_even_when_csv_was_asked_for(api, session, person):
    response = api(person).get(f"/api/v1/sessions/{session.pk}/attendees/?format=csv")

    error(response, 404, "not_found")
