"""The practitioner's pages after the session: check in, evaluate, the training record."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from booking import rules
from booking.models import Booking, Evaluation
from booking.services import book_session, mark_attendance
from events.queries import evaluation_questions
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_session(trainer):
    now = timezone.now()
    session = SessionFactory(
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
        event__title="Voice of the Child",
        event__slug="voice-of-the-child",
        event__refresher_months=24,
    )
    session.trainers.add(trainer)
    return session


@pytest.fixture
def booking(running_session, person):
    return book_session(
        running_session, person=person, now=running_session.starts_at - timedelta(days=1)
    )


def form_answers(**overrides) -> dict:
    data = {}
    for question in evaluation_questions(None):
        data[f"question-{question.pk}"] = "3" if question.kind == "rating" else "Listen more."
    return data | overrides


def test_check_in_page_from_the_qr_code_fills_in_the_code(signed_in, running_session, booking):
    code = rules.check_in_code(running_session)

    page = signed_in.get(f"/sessions/{running_session.pk}/check-in/?code={code}")

    assert page.status_code == 200
    assert f'value="{code}"' in page.text
    assert "no-store" in page["Cache-Control"]


def test_check_in_by_typed_code(signed_in, running_session, booking):
    code = rules.check_in_code(running_session)

    page = signed_in.post(
        f"/sessions/{running_session.pk}/check-in/", {"code": f" {code[:3].lower()} {code[3:]} "}
    )

    assert page.status_code == 200
    assert "You are checked in" in page.text
    assert f"/bookings/{booking.pk}/evaluation/" in page.text
    booking.refresh_from_db()
    assert booking.attendance == "attended"


def test_check_in_with_a_wrong_code_shows_the_error(signed_in, running_session, booking):
    page = signed_in.post(f"/sessions/{running_session.pk}/check-in/", {"code": "AAAAAA"})

    assert page.status_code == 400
    assert "There is a problem" in page.text
    assert "That is not this session&#x27;s check-in code" in page.text
    booking.refresh_from_db()
    assert booking.attendance == "unmarked"


def test_check_in_without_a_place(client, running_session):
    client.force_login(UserFactory())

    page = client.post(
        f"/sessions/{running_session.pk}/check-in/",
        {"code": rules.check_in_code(running_session)},
    )

    assert page.status_code == 400
    assert "You need a confirmed place at this session to check in." in page.text


def test_check_in_asks_anonymous_people_to_sign_in(client, running_session):
    page = client.get(f"/sessions/{running_session.pk}/check-in/?code=ABC")

    assert page.status_code == 302
    assert page["Location"].startswith("/sign-in/?next=")


def test_evaluation_form_then_certificate(signed_in, running_session, booking, trainer):
    mark_attendance(booking, attendance="attended", by=trainer)
    url = f"/bookings/{booking.pk}/evaluation/"

    form = signed_in.get(url)
    assert signed_in.get(f"/bookings/{booking.pk}/certificate.pdf")["Location"] == url
    sent = signed_in.post(url, form_answers())
    after = signed_in.get(url)
    certificate = signed_in.get(f"/bookings/{booking.pk}/certificate.pdf")

    assert form.status_code == 200
    assert "What will you do differently? (optional)" in form.text
    assert sent.status_code == 302
    assert "You sent your evaluation on" in after.text
    assert "Listen more." in after.text
    assert certificate.status_code == 200
    text = PdfReader(io.BytesIO(certificate.content)).pages[0].extract_text()
    assert "Voice of the Child" in text


def test_evaluation_missing_answers_show_errors_and_write_nothing(signed_in, booking, trainer):
    mark_attendance(booking, attendance="attended", by=trainer)
    [first, *_] = evaluation_questions(None)

    page = signed_in.post(
        f"/bookings/{booking.pk}/evaluation/", form_answers(**{f"question-{first.pk}": ""})
    )

    assert page.status_code == 400
    assert f"Answer “{first.text}”" in page.text
    assert not Evaluation.objects.exists()


def test_evaluation_before_attendance_goes_back_to_the_booking(signed_in, booking):
    page = signed_in.get(f"/bookings/{booking.pk}/evaluation/")

    assert page.status_code == 302
    assert page["Location"] == f"/bookings/{booking.pk}/"


def test_someone_elses_evaluation_is_a_404(client, booking, trainer):
    mark_attendance(booking, attendance="attended", by=trainer)
    client.force_login(UserFactory())

    assert client.get(f"/bookings/{booking.pk}/evaluation/").status_code == 404


def test_training_record_page_and_downloads(signed_in, running_session, booking, trainer):
    mark_attendance(booking, attendance="attended", by=trainer)
    due = timezone.localdate(running_session.starts_at)
    due = due.replace(year=due.year + 2)

    page = signed_in.get("/account/training-record/")
    spreadsheet = signed_in.get("/account/training-record.csv")
    pdf = signed_in.get("/account/training-record.pdf")

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "Your training record" in page.text
    assert f"{due:%-d %B %Y}" in page.text
    assert "Evaluate the session" in page.text
    rows = list(csv.reader(io.StringIO(spreadsheet.content.decode("utf-8-sig"))))
    assert rows[0] == ["Course", "Date", "Start", "End", "Hours", "Certificate", "Refresher due"]
    assert rows[1][0] == "Voice of the Child"
    assert rows[1][4:] == ["2.08", "After your evaluation", due.isoformat()]
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Training record" in text
    assert "Voice of the Child" in text
    assert f"{due:%-d %b %Y}" in text


def test_training_record_only_lists_attended_sessions(signed_in, booking):
    page = signed_in.get("/account/training-record/")

    assert "Sessions appear here once your trainer marks you as attended" in page.text
    assert Booking.objects.get().attendance == "unmarked"
