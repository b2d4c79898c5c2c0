"""Who may call what: every endpoint by every kind of caller, from one table."""

from datetime import timedelta

import pytest
import time_machine

from booking.services import book_session
from tests import factories
from tests.factories import local

ACTORS = ("anonymous", "practitioner", "other", "trainer", "other_trainer", "coordinator")

# endpoint name, method, path, body, expected status per actor in ACTORS order.
# "practitioner" owns {booking}, a confirmed place at {session}; "trainer" trains {session};
# "other_trainer" trains another session. A register the caller may not see is not there (404);
# a booking they may see but not mark is refused (403).
MATRIX = [
    ("programme list", "get", "/api/v1/programmes/", None, "200 200 200 200 200 200"),
    ("programme", "get", "/api/v1/programmes/{programme}/", None, "200 200 200 200 200 200"),
    ("theme list", "get", "/api/v1/themes/", None, "200 200 200 200 200 200"),
    ("event list", "get", "/api/v1/events/", None, "200 200 200 200 200 200"),
    ("event", "get", "/api/v1/events/{event}/", None, "200 200 200 200 200 200"),
    ("session list", "get", "/api/v1/sessions/", None, "200 200 200 200 200 200"),
    ("session", "get", "/api/v1/sessions/{session}/", None, "200 200 200 200 200 200"),
    ("book", "post", "/api/v1/sessions/{session}/bookings/", {}, "401 409 201 201 201 201"),
    ("booking list", "get", "/api/v1/bookings/", None, "401 200 200 200 200 200"),
    ("booking", "get", "/api/v1/bookings/{booking}/", None, "401 200 404 404 404 200"),
    ("cancel booking", "post", "/api/v1/bookings/{booking}/cancel/", {}, "401 200 404 404 404 200"),
    ("attendees", "get", "/api/v1/sessions/{session}/attendees/", None, "401 404 404 200 404 200"),
    (
        "attendees csv",
        "get",
        "/api/v1/sessions/{session}/attendees/?format=csv",
        None,
        "401 404 404 200 404 200",
    ),
    (
        "mark attendance",
        "post",
        "/api/v1/bookings/{booking}/attendance/",
        {"attendance": "attended"},
        "401 403 404 200 404 200",
    ),
    ("create session", "post", "/api/v1/sessions/", "new_session", "401 403 403 403 403 201"),
    (
        "change session",
        "patch",
        "/api/v1/sessions/{session}/",
        {"capacity": 5},
        "401 403 403 403 403 200",
    ),
    (
        "cancel session",
        "post",
        "/api/v1/sessions/{session}/cancel/",
        {"reason": "The trainer is unwell."},
        "401 403 403 403 403 200",
    ),
    ("me", "get", "/api/v1/me/", None, "401 200 200 200 200 200"),
]

CASES = [
    pytest.param(method, path, body, actor, int(expected), id=f"{name}-{actor}")
    for name, method, path, body, statuses in MATRIX
    for actor, expected in zip(ACTORS, statuses.split(), strict=True)
]


@pytest.fixture
def world(db):
    """On the morning of a session day: one session with a booking, another session."""
    with time_machine.travel(local(2026, 3, 10, 9), tick=True):
        trainer = factories.UserFactory(full_name="Terry Trainer")
        other_trainer = factories.UserFactory(full_name="Tina Trainer")
        session = factories.SessionFactory(
            starts_at=local(2026, 3, 10, 12), ends_at=local(2026, 3, 10, 14), capacity=3
        )
        session.trainers.add(trainer)
        other_session = factories.SessionFactory(event=session.event)
        other_session.trainers.add(other_trainer)
        practitioner = factories.UserFactory()
        booking = book_session(session, person=practitioner)
        yield {
            "session": session,
            "booking": booking,
            "anonymous": None,
            "practitioner": practitioner,
            "other": factories.UserFactory(),
            "trainer": trainer,
            "other_trainer": other_trainer,
            "coordinator": factories.CoordinatorFactory(),
        }


@pytest.mark.parametrize(("method", "path", "body", "actor", "expected"), CASES)
def test_endpoint_status_for_each_caller(api, world, method, path, body, actor, expected):
    session = world["session"]
    url = path.format(
        session=session.pk,
        booking=world["booking"].pk,
        event=session.event.slug,
        programme=session.event.programme.slug,
    )
    if body == "new_session":
        body = {
            "event": session.event_id,
            "starts_at": (session.starts_at + timedelta(days=7)).isoformat(),
            "ends_at": (session.ends_at + timedelta(days=7)).isoformat(),
            "capacity": 20,
        }

    response = getattr(api(world[actor]), method)(url, body, format="json")

    assert response.status_code == expected, response.content
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["code"] == "not_authenticated"
