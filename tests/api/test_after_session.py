"""The API's after-the-session contract: paths, fields, codes (ARCHITECTURE.md)."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from booking import rules
from booking.models import Evaluation
from booking.services import book_session, mark_attendance
from events.queries import evaluation_questions
from tests.factories import SessionFactory, UserFactory, book_three_days_before, local

pytestmark = pytest.mark.django_db


def error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


@pytest.fixture
def running_session(trainer):
    """A session that started 10 minutes ago and runs for two hours."""
    now = timezone.now()
    session = SessionFactory(
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        event__title="Voice of the Child",
        event__refresher_months=12,
    )
    session.trainers.add(trainer)
    return session


@pytest.fixture
def booked(running_session, person):
    return book_session(
        running_session, person=person, now=running_session.starts_at - timedelta(days=2)
    )


def answers() -> dict:
    keys = {question.key: question.pk for question in evaluation_questions(None)}
    return {
        str(keys["confidence_before"]): 2,
        str(keys["confidence_after"]): 4,
        str(keys["usefulness"]): 5,
        str(keys["do_differently"]): "Ask first.",
    }


def test_check_in_code_for_the_sessions_trainer(api, running_session, trainer):
    response = api(trainer).get(f"/api/v1/sessions/{running_session.pk}/check-in-code/")

    assert response.status_code == 200
    body = response.json()
    code = rules.check_in_code(running_session)
    assert set(body) == {"code", "url", "valid_from", "valid_until"}
    assert body["code"] == code
    assert body["url"] == (f"http://testserver/sessions/{running_session.pk}/check-in/?code={code}")
    assert datetime.fromisoformat(body["valid_from"]) == running_session.starts_at - timedelta(
        minutes=30
    )
    assert datetime.fromisoformat(body["valid_until"]) == running_session.ends_at
    assert "no-store" in response["Cache-Control"]


def test_check_in_code_readable_by_coordinators_at_any_time(api, coordinator):
    session = SessionFactory(starts_at=local(2021, 7, 12, 12), ends_at=local(2021, 7, 12, 14))

    response = api(coordinator).get(f"/api/v1/sessions/{session.pk}/check-in-code/")

    assert response.json()["code"] == rules.check_in_code(session)


@pytest.mark.parametrize("who", ["attendee", "other_trainer", "anonymous"])
def test_check_in_code_hidden_from_others(api, running_session, booked, person, who):
    user = {"attendee": person, "other_trainer": UserFactory(), "anonymous": None}[who]
    response = api(user).get(f"/api/v1/sessions/{running_session.pk}/check-in-code/")

    if who == "anonymous":
        error(response, 401, "not_authenticated")
    else:
        error(response, 404, "not_found")


def test_check_in_by_code(api, running_session, booked, person):
    code = rules.check_in_code(running_session)

    response = api(person).post(
        f"/api/v1/sessions/{running_session.pk}/check-in/", {"code": code}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "booking": booked.pk,
        "session": running_session.pk,
        "attendance": "attended",
    }
    booked.refresh_from_db()
    assert booked.attendance == "attended"


def test_check_in_replayed_is_still_200(api, running_session, booked, person):
    client = api(person)
    url = f"/api/v1/sessions/{running_session.pk}/check-in/"
    code = rules.check_in_code(running_session)

    first = client.post(url, {"code": code}, format="json")
    second = client.post(url, {"code": code}, format="json")

    assert (first.status_code, second.status_code) == (200, 200)


def test_check_in_wrong_code(api, running_session, booked, person):
    body = error(
        api(person).post(
            f"/api/v1/sessions/{running_session.pk}/check-in/", {"code": "AAAAAA"}, format="json"
        ),
        400,
        "invalid_code",
    )

    assert body["detail"]
    booked.refresh_from_db()
    assert booked.attendance == "unmarked"


def test_check_in_closed_is_checked_before_the_code(api, person):
    session = SessionFactory(
        starts_at=timezone.now() + timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=3)
    )
    book_session(session, person=person)
    url = f"/api/v1/sessions/{session.pk}/check-in/"

    error(api(person).post(url, {"code": "AAAAAA"}, format="json"), 409, "check_in_closed")
    error(
        api(person).post(url, {"code": rules.check_in_code(session)}, format="json"),
        409,
        "check_in_closed",
    )


def test_check_in_without_a_booking(api, running_session):
    error(
        api(UserFactory()).post(
            f"/api/v1/sessions/{running_session.pk}/check-in/",
            {"code": rules.check_in_code(running_session)},
            format="json",
        ),
        409,
        "not_confirmed",
    )


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": ["x"]}])
def test_check_in_without_a_code(api, running_session, booked, person, body):
    error(
        api(person).post(f"/api/v1/sessions/{running_session.pk}/check-in/", body, format="json"),
        400,
        "validation_error",
    )


def test_check_in_to_a_missing_session(api, person):
    error(
        api(person).post("/api/v1/sessions/999999/check-in/", {"code": "AAAAAA"}, format="json"),
        404,
        "not_found",
    )


def test_evaluation_flow(api, running_session, booked, person, trainer):
    client = api(person)
    url = f"/api/v1/bookings/{booked.pk}/evaluation/"
    error(client.get(url), 409, "not_attended")
    error(client.post(url, {"answers": answers()}, format="json"), 409, "not_attended")
    mark_attendance(booked, attendance="attended", by=trainer)

    before = client.get(url)
    created = client.post(url, {"answers": answers()}, format="json")
    again = client.post(url, {"answers": answers()}, format="json")

    assert before.status_code == 200
    questions = before.json()["questions"]
    assert [set(q) for q in questions] == [{"id", "text", "kind"}] * 4
    assert [q["kind"] for q in questions] == ["rating", "rating", "rating", "text"]
    assert before.json()["submitted_at"] is None
    assert created.status_code == 201
    assert created.json()["submitted_at"] is not None
    error(again, 409, "already_submitted")
    assert client.get(url).json()["submitted_at"] == created.json()["submitted_at"]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"answers": {}},
        {"answers": "good"},
        {"answers": {"1": 6}},
    ],
)
def test_evaluation_bad_answers(api, running_session, booked, person, trainer, bad):
    mark_attendance(booked, attendance="attended", by=trainer)

    error(
        api(person).post(f"/api/v1/bookings/{booked.pk}/evaluation/", bad, format="json"),
        400,
        "validation_error",
    )
    assert not Evaluation.objects.exists()


def test_evaluation_rating_out_of_range(api, running_session, booked, person, trainer):
    mark_attendance(booked, attendance="attended", by=trainer)
    given = answers()
    given[next(iter(given))] = 0

    body = error(
        api(person).post(
            f"/api/v1/bookings/{booked.pk}/evaluation/", {"answers": given}, format="json"
        ),
        400,
        "validation_error",
    )
    assert list(body["errors"]) == [next(iter(given))]


@pytest.mark.parametrize("who", ["stranger", "coordinator"])
def test_someone_elses_evaluation_is_not_found(
    api, running_session, booked, trainer, coordinator, who
):
    mark_attendance(booked, attendance="attended", by=trainer)
    user = UserFactory() if who == "stranger" else coordinator

    error(api(user).get(f"/api/v1/bookings/{booked.pk}/evaluation/"), 404, "not_found")
    error(
        api(user).post(
            f"/api/v1/bookings/{booked.pk}/evaluation/", {"answers": answers()}, format="json"
        ),
        404,
        "not_found",
    )


def test_certificate_gated_by_the_evaluation(api, running_session, booked, person, trainer):
    client = api(person)
    url = f"/api/v1/bookings/{booked.pk}/certificate/"
    error(client.get(url), 409, "not_attended")
    mark_attendance(booked, attendance="attended", by=trainer)
    error(client.get(url), 409, "evaluation_required")
    client.post(f"/api/v1/bookings/{booked.pk}/evaluation/", {"answers": answers()}, format="json")

    response = client.get(url, HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Voice of the Child" in text


def test_certificate_for_coordinators_not_for_others(
    api, running_session, booked, person, trainer, coordinator
):
    running_session.event.certificate_requires_evaluation = False
    running_session.event.save()
    mark_attendance(booked, attendance="attended", by=trainer)
    url = f"/api/v1/bookings/{booked.pk}/certificate/"

    assert api(coordinator).get(url).status_code == 200
    error(api(trainer).get(url), 404, "not_found")
    error(api(UserFactory()).get(url), 404, "not_found")


def test_evaluation_summary(api, running_session, booked, person, trainer):
    mark_attendance(booked, attendance="attended", by=trainer)
    api(person).post(
        f"/api/v1/bookings/{booked.pk}/evaluation/", {"answers": answers()}, format="json"
    )

    response = api(trainer).get(f"/api/v1/sessions/{running_session.pk}/evaluation-summary/")

    assert response.status_code == 200
    body = response.json()
    assert (body["session"], body["attended"], body["responses"]) == (running_session.pk, 1, 1)
    assert [
        (q["kind"], q["count"], q.get("mean"), q.get("answers")) for q in body["questions"]
    ] == [
        ("rating", 1, 2.0, None),
        ("rating", 1, 4.0, None),
        ("rating", 1, 5.0, None),
        ("text", 1, None, ["Ask first."]),
    ]
    assert "Pat" not in response.content.decode()
    error(
        api(person).get(f"/api/v1/sessions/{running_session.pk}/evaluation-summary/"),
        404,
        "not_found",
    )


def test_training_record(api, running_session, booked, person, trainer):
    mark_attendance(booked, attendance="attended", by=trainer)
    unmarked = book_three_days_before(
        SessionFactory(starts_at=local(2021, 7, 1, 10), ends_at=local(2021, 7, 1, 11)), person
    )

    response = api(person).get("/api/v1/me/training-record/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [row] = response.json()["results"]
    assert datetime.fromisoformat(row.pop("starts_at")) == running_session.starts_at
    assert datetime.fromisoformat(row.pop("ends_at")) == running_session.ends_at
    assert row == {
        "booking": booked.pk,
        "event": {
            "id": running_session.event.pk,
            "slug": running_session.event.slug,
            "title": "Voice of the Child",
        },
        "hours": 2.17,
        "certificate_url": f"http://testserver/api/v1/bookings/{booked.pk}/certificate/",
        "certificate_available": False,
        "refresher_due": date(
            timezone.localdate(running_session.starts_at).year + 1,
            timezone.localdate(running_session.starts_at).month,
            timezone.localdate(running_session.starts_at).day,
        ).isoformat(),
    }
    assert unmarked.pk not in [r["booking"] for r in response.json()["results"]]


def test_training_record_csv(api, running_session, booked, person, trainer):
    mark_attendance(booked, attendance="attended", by=trainer)

    response = api(person).get("/api/v1/me/training-record/?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "Booking,Course,Starts,Hours,Certificate,Refresher due"
    assert lines[1].startswith(f"{booked.pk},Voice of the Child,")
    assert len(lines) == 2


def test_training_record_needs_sign_in(api):
    error(api().get("/api/v1/me/training-record/"), 401, "not_authenticated")


def test_events_carry_certificate_and_refresher_fields(api, running_session):
    body = api().get(f"/api/v1/events/{running_session.event.slug}/").json()

    assert (body["certificate_requires_evaluation"], body["refresher_months"]) == (True, 12)


def test_schema_documents_the_after_session_paths(api):
    schema = api().get("/api/schema/?format=json").json()

    for path in (
        "/api/v1/sessions/{id}/check-in-code/",
        "/api/v1/sessions/{id}/check-in/",
        "/api/v1/sessions/{id}/evaluation-summary/",
        "/api/v1/bookings/{id}/evaluation/",
        "/api/v1/bookings/{id}/certificate/",
        "/api/v1/me/training-record/",
    ):
        assert path in schema["paths"], path
    event = schema["components"]["schemas"]["Event"]["properties"]
    assert {"certificate_requires_evaluation", "refresher_months"} <= set(event)
