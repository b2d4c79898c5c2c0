"""After-the-session emails, written by the worker's periodic jobs and sent through a real SMTP
server: the evaluation request when the session ends, one reminder after 3 days, the thanks
that carries the certificate, and the refresher reminder 6 weeks before it falls due. Each is
sent once, however many rounds run."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from pypdf import PdfReader

from booking.models import Booking
from booking.services import book_session, mark_attendance, submit_evaluation
from common.periodic import registered, run_periodic_jobs
from events.queries import evaluation_questions
from notifications.models import Notification
from tests.factories import SessionFactory, UserFactory, local
from tests.smtp import parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

ENDS = local(2021, 7, 12, 14, 30)  # week_session: Monday 12 July 2021, 12:00 to 14:30


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """One round of the worker's periodic jobs as of ``now``, sending what it writes."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return run_periodic_jobs(now=now)

    return run


@pytest.fixture
def attendee(week_session, book_and_send, django_capture_on_commit_callbacks, smtp):
    trainer = UserFactory(full_name="Terry Trainer")
    week_session.trainers.add(trainer)
    person = UserFactory(full_name="Sam Example", email="sam@example.org")
    booking = book_and_send(week_session, person)
    with django_capture_on_commit_callbacks(execute=True):
        mark_attendance(booking, attendance="attended", by=trainer, now=ENDS)
    smtp.inbox.envelopes.clear()
    return booking


def answers() -> dict:
    return {str(q.pk): 3 for q in evaluation_questions(None) if q.kind == "rating"}


def subjects(smtp) -> list[str]:
    return [message["Subject"] for message in smtp.messages]


def test_the_worker_runs_every_after_session_job():
    assert {
        "reminders",
        "evaluation_requests",
        "evaluation_reminders",
        "refresher_reminders",
        "outbox_sweep",
    } <= set(registered())


def test_marking_attended_sends_nothing_while_the_certificate_waits(smtp, attendee):
    assert smtp.messages == []


def test_evaluation_request_when_the_session_ends_once(smtp, attendee, run_jobs):
    run_jobs(ENDS - timedelta(minutes=1))
    assert smtp.messages == []

    run_jobs(ENDS + timedelta(minutes=1))
    run_jobs(ENDS + timedelta(minutes=2))

    [message] = smtp.messages
    assert message["Subject"] == "How was it? Tell us about Voice of the Child, Monday 12 July"
    assert message["To"] == "Sam Example <sam@example.org>"
    text = parts(message)["text/plain"]
    assert f"{settings.SITE_URL}/bookings/{attendee.pk}/evaluation/" in text
    assert "certificate of attendance is ready as soon as you have sent your answers" in text
    notification = Notification.objects.get(kind="evaluation_request")
    assert notification.dedupe_key == f"evaluation_request:booking-{attendee.pk}"


def test_no_request_for_absent_or_unmarked_people(smtp, week_session, book_and_send, run_jobs):
    trainer = UserFactory()
    week_session.trainers.add(trainer)
    absent = book_and_send(week_session)
    book_and_send(week_session)  # never marked
    mark_attendance(absent, attendance="absent", by=trainer, now=ENDS)
    smtp.inbox.envelopes.clear()

    run_jobs(ENDS + timedelta(hours=1))

    assert smtp.messages == []


def test_no_request_about_sessions_long_past(smtp, attendee, run_jobs):
    run_jobs(ENDS + timedelta(days=15))

    assert smtp.messages == []


def test_reminder_after_three_days_once(smtp, attendee, run_jobs):
    run_jobs(ENDS + timedelta(minutes=1))
    request = Notification.objects.get(kind="evaluation_request")
    run_jobs(request.created_at + timedelta(days=3) - timedelta(minutes=1))
    assert len(smtp.messages) == 1

    run_jobs(request.created_at + timedelta(days=3))
    run_jobs(request.created_at + timedelta(days=4))

    assert subjects(smtp) == [
        "How was it? Tell us about Voice of the Child, Monday 12 July",
        "Reminder: tell us about Voice of the Child, Monday 12 July",
    ]
    assert "This is the only reminder we send." in parts(smtp.messages[1])["text/plain"]


def test_no_reminder_once_evaluated(smtp, attendee, run_jobs, django_capture_on_commit_callbacks):
    run_jobs(ENDS + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        submit_evaluation(attendee, by=attendee.person, answers=answers())
    request = Notification.objects.get(kind="evaluation_request")

    run_jobs(request.created_at + timedelta(days=5))

    assert subjects(smtp) == [
        "How was it? Tell us about Voice of the Child, Monday 12 July",
        "Thank you, and your certificate: Voice of the Child, Monday 12 July",
    ]


def test_thanks_carries_the_certificate_once(
    smtp, attendee, django_capture_on_commit_callbacks, run_jobs
):
    attendee.session.event.refresher_months = 12
    attendee.session.event.save()
    with django_capture_on_commit_callbacks(execute=True):
        submit_evaluation(attendee, by=attendee.person, answers=answers())
    run_jobs(ENDS + timedelta(minutes=1))  # evaluated already: no request

    [message] = smtp.messages
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    certificate_url = f"{settings.SITE_URL}/bookings/{attendee.pk}/certificate.pdf"
    assert (
        "Your certificate of attendance is attached (PDF). You can download it again at any "
        f"time:\r\n{certificate_url}" in text
    )
    assert f'<a href="{certificate_url}">Download your certificate of attendance (PDF)</a>' in html
    [attachment] = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Sam Example" in pdf
    assert "Certificate of attendance" in pdf
    assert "This training should be refreshed by 12 July 2022." in text
    assert Notification.objects.filter(kind="evaluation_thanks").count() == 1


def test_certificate_at_marking_where_no_evaluation_is_required(
    smtp, week_session, book_and_send, django_capture_on_commit_callbacks, run_jobs
):
    week_session.event.certificate_requires_evaluation = False
    week_session.event.save()
    trainer = UserFactory()
    week_session.trainers.add(trainer)
    booking = book_and_send(week_session)
    smtp.inbox.envelopes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mark_attendance(booking, attendance="attended", by=trainer, now=ENDS)
    run_jobs(ENDS + timedelta(minutes=1))

    assert subjects(smtp) == [
        "Your certificate of attendance: Voice of the Child, Monday 12 July",
        "How was it? Tell us about Voice of the Child, Monday 12 July",
    ]
    assert f"/bookings/{booking.pk}/certificate.pdf" in parts(smtp.messages[1])["text/plain"]


def test_refresher_reminder_six_weeks_before_due_once(
    smtp, run_jobs, django_capture_on_commit_callbacks
):
    session = SessionFactory(
        starts_at=local(2021, 8, 31, 10),
        ends_at=local(2021, 8, 31, 12),
        event__title="Child Exploitation",
        event__slug="child-exploitation",
        event__refresher_months=6,
    )
    trainer = UserFactory()
    session.trainers.add(trainer)
    person = UserFactory(email="ref@example.org")
    booking = book_session(session, person=person, now=local(2021, 8, 1, 9))
    with django_capture_on_commit_callbacks(execute=True):
        mark_attendance(booking, attendance="attended", by=trainer, now=session.ends_at)
    smtp.inbox.envelopes.clear()
    Notification.objects.all().delete()
    # Due 28 February 2022 (31 August plus 6 months, clamped); six weeks before is 17 January.

    run_jobs(local(2022, 1, 16, 12))
    assert smtp.messages == []
    run_jobs(local(2022, 1, 17, 9))
    run_jobs(local(2022, 1, 18, 9))

    [message] = smtp.messages
    assert message["Subject"] == "Your training is due for a refresher: Child Exploitation"
    text = parts(message)["text/plain"]
    assert "It should be refreshed by 28 February 2022." in text
    assert f"{settings.SITE_URL}/events/child-exploitation/" in text
    assert Booking.objects.get(pk=booking.pk).attendance == "attended"


def test_no_refresher_reminder_after_booking_the_refresher(
    smtp, run_jobs, django_capture_on_commit_callbacks
):
    first = SessionFactory(
        starts_at=local(2021, 1, 12, 10), ends_at=local(2021, 1, 12, 12), event__refresher_months=12
    )
    trainer = UserFactory()
    first.trainers.add(trainer)
    person = UserFactory()
    booking = book_session(first, person=person, now=local(2021, 1, 1, 9))
    mark_attendance(booking, attendance="attended", by=trainer, now=first.ends_at)
    refresher = SessionFactory(
        event=first.event, starts_at=local(2022, 1, 20, 10), ends_at=local(2022, 1, 20, 12)
    )
    book_session(refresher, person=person, now=local(2021, 11, 1, 9))
    smtp.inbox.envelopes.clear()

    run_jobs(local(2021, 12, 10, 9))

    assert smtp.messages == []
