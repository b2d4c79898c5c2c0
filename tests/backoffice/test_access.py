"""Who may open which page: one table for every trainer and coordinator page and export."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from booking.models import Booking
from tests.factories import CoordinatorFactory, UserFactory, book_three_days_before, mark_at_the_end

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
PRACTITIONER = "practitioner"  # booked on the session and marked attended
TRAINER_A = "trainer_a"  # trains the session
TRAINER_B = "trainer_b"  # trains another session
COORDINATOR = "coordinator"
ROLES = (ANONYMOUS, PRACTITIONER, TRAINER_A, TRAINER_B, COORDINATOR)

# page name, method, status per role in ROLES order; 302 from anonymous goes to sign-in,
# 302 after a POST goes back to the register.
ACCESS = [
    ("staff:my_sessions", "get", (302, 200, 200, 200, 200)),
    ("staff:register", "get", (302, 404, 200, 404, 200)),
    ("staff:mark_attendance", "post", (302, 404, 302, 404, 302)),
    ("staff:mark_remaining_absent", "post", (302, 404, 302, 404, 302)),
    ("staff:register_csv", "get", (302, 404, 200, 404, 200)),
    ("staff:register_xlsx", "get", (302, 404, 200, 404, 200)),
    ("staff:sign_in_sheet", "get", (302, 404, 200, 404, 200)),
    ("staff:certificate", "get", (302, 200, 404, 404, 200)),
    ("staff:reports", "get", (302, 403, 403, 403, 200)),
    ("staff:reports_csv", "get", (302, 403, 403, 403, 200)),
]


@pytest.fixture
def people(past_session, trainer, trainer_b, attendee):
    booking = book_three_days_before(past_session, attendee)
    mark_at_the_end(booking, Booking.Attendance.ATTENDED, by=trainer)
    return {
        ANONYMOUS: None,
        PRACTITIONER: attendee,
        TRAINER_A: trainer,
        TRAINER_B: trainer_b,
        COORDINATOR: CoordinatorFactory(),
        "booking": booking,
    }


def _url(name: str, people) -> str:
    booking = people["booking"]
    if name in ("staff:my_sessions", "staff:reports", "staff:reports_csv"):
        return reverse(name)
    if name == "staff:certificate":
        return reverse(name, args=[booking.pk])
    if name == "staff:mark_attendance":
        return reverse(name, args=[booking.session_id, booking.pk])
    return reverse(name, args=[booking.session_id])


@pytest.mark.parametrize(("name", "method", "expected"), ACCESS, ids=[row[0] for row in ACCESS])
@pytest.mark.parametrize("role", ROLES)
def test_page_access_by_role(client, people, name, method, expected, role):
    if people[role] is not None:
        client.force_login(people[role])
    url = _url(name, people)

    send = client.post if method == "post" else client.get
    response = send(url, {"attendance": "attended"} if method == "post" else None)

    assert response.status_code == expected[ROLES.index(role)]
    if role == ANONYMOUS:
        assert response["Location"].startswith(f"{resolve_url(settings.LOGIN_URL)}?next=")


def test_register_of_another_trainer_does_not_change_attendance(client, people):
    client.force_login(people[TRAINER_B])
    booking = people["booking"]

    client.post(_url("staff:mark_attendance", people), {"attendance": "absent"})

    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.ATTENDED


def test_my_sessions_lists_only_the_trainers_own_sessions(client, people, past_session):
    client.force_login(people[TRAINER_B])

    response = client.get(reverse("staff:my_sessions"))

    assert past_session.event.title not in response.content.decode()
    assert [s.pk for s in response.context["upcoming"]] == [
        s.pk for s in people[TRAINER_B].trained_sessions.all()
    ]


def test_practitioner_sees_an_empty_my_sessions(client):
    client.force_login(UserFactory())

    response = client.get(reverse("staff:my_sessions"))

    assert response.context["upcoming"] == []
    assert response.context["past"] == []
    assert "<title>My sessions " in response.content.decode()
