"""Messages from the trainer and coordinator tools, end to end through a real SMTP server."""

import io

import pytest
from django.conf import settings
from pypdf import PdfReader

from booking.messages import queue_messages_for
from booking.models import Booking
from booking.services import book_session, mark_attendance, message_attendees
from notifications.kinds import Kind
from notifications.models import Notification
from tests.factories import CoordinatorFactory, SessionFactory, UserFactory
from tests.smtp import parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def bodies(message) -> tuple[str, str]:
    """The plain-text and HTML parts with the line endings they were written with."""
    found = parts(message)
    return tuple(found[kind].replace("\r\n", "\n") for kind in ("text/plain", "text/html"))


@pytest.fixture
def trainer(week_session):
    # A course whose certificate needs no evaluation announces it when attendance is marked.
    week_session.event.certificate_requires_evaluation = False
    week_session.event.save()
    trainer = UserFactory(full_name="Terry Trainer")
    week_session.trainers.add(trainer)
    return trainer


@pytest.fixture
def mark_and_send(trainer, django_capture_on_commit_callbacks):
    """Mark attendance as the session's trainer once it has ended, running what follows."""

    def mark(booking, attendance):
        with django_capture_on_commit_callbacks(execute=True):
            return mark_attendance(
                booking, attendance=attendance, by=trainer, now=booking.session.ends_at
            )

    return mark


@pytest.fixture
def send_message(django_capture_on_commit_callbacks):
    coordinator = CoordinatorFactory()

    def _send(session, *, subject, body):
        with django_capture_on_commit_callbacks(execute=True):
            return message_attendees(session, subject=subject, body=body, by=coordinator)

    return _send


def test_marking_attended_emails_the_certificate_link(
    smtp, book_and_send, mark_and_send, week_session
):
    person = UserFactory(full_name="Sam Example", email="sam@example.org")
    booking = book_and_send(week_session, person)
    smtp.inbox.envelopes.clear()

    mark_and_send(booking, Booking.Attendance.ATTENDED)

    [message] = smtp.messages
    assert message["Subject"] == (
        "Your certificate of attendance: Voice of the Child, Monday 12 July"
    )
    assert message["To"] == "Sam Example <sam@example.org>"
    certificate_url = f"{settings.SITE_URL}/bookings/{booking.pk}/certificate.pdf"
    text, html = bodies(message)
    assert "Thank you for coming to Voice of the Child on Monday 12 July 2021" in text
    assert f"training record ({settings.SITE_URL}/account/training-record/) for your CPD" in text
    assert (
        "Your certificate of attendance is attached (PDF). You can download it again at any "
        f"time:\n{certificate_url}\n" in text
    )
    assert f'<a href="{certificate_url}">Download your certificate of attendance (PDF)</a>' in html
    evaluation_url = f"{settings.SITE_URL}/bookings/{booking.pk}/evaluation/"
    assert f"It takes about 2 minutes:\n{evaluation_url}" in text
    assert f'<a href="{evaluation_url}">Evaluate the session</a>' in html
    assert "text/calendar" not in parts(message)
    [attachment] = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    slug = week_session.event.slug
    assert attachment.get_filename() == f"certificate-{slug}-2021-07-12.pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Sam Example" in pdf
    notification = Notification.objects.get(kind="certificate_available")
    assert (notification.status, notification.dedupe_key, notification.calendar_sequence) == (
        "sent",
        f"certificate_available:booking-{booking.pk}",
        None,
    )


def test_certificate_email_is_sent_once_per_booking(
    smtp, book_and_send, mark_and_send, week_session
):
    booking = book_and_send(week_session)
    smtp.inbox.envelopes.clear()

    mark_and_send(booking, Booking.Attendance.ATTENDED)
    mark_and_send(booking, Booking.Attendance.UNMARKED)
    mark_and_send(booking, Booking.Attendance.ATTENDED)

    assert len(smtp.messages) == 1
    assert Notification.objects.filter(kind="certificate_available").count() == 1


def test_marking_absent_sends_no_certificate(smtp, book_and_send, mark_and_send, week_session):
    booking = book_and_send(week_session)
    smtp.inbox.envelopes.clear()

    mark_and_send(booking, Booking.Attendance.ABSENT)

    assert smtp.messages == []


def test_no_certificate_email_when_attendance_is_no_longer_attended(
    smtp, book_and_send, trainer, week_session
):
    booking = book_and_send(week_session)
    mark_attendance(booking, attendance="attended", by=trainer, now=week_session.ends_at)
    mark_attendance(booking, attendance="absent", by=trainer, now=week_session.ends_at)
    smtp.inbox.envelopes.clear()

    # The hook from the first marking runs late, after the second: nothing to announce.
    queue_messages_for([booking.pk], kind=Kind.CERTIFICATE_AVAILABLE)

    assert smtp.messages == []


def test_message_goes_to_confirmed_people_only(smtp, book_and_send, week_session, send_message):
    first = book_and_send(week_session, UserFactory(email="first@example.org"))
    book_and_send(week_session, UserFactory(email="second@example.org"))
    book_and_send(week_session, UserFactory(email="waiting@example.org"))
    smtp.inbox.envelopes.clear()

    sent_to = send_message(
        week_session, subject="Parking", body="Use the north car park.\n\nBring <ID> please."
    )

    assert sent_to == 2
    assert sorted(e.rcpt_tos[0] for e in smtp.inbox.envelopes) == [
        "first@example.org",
        "second@example.org",
    ]
    message = smtp.messages[0]
    assert message["Subject"] == "Parking: Voice of the Child, Monday 12 July"
    text, html = bodies(message)
    assert "Use the north car park.\n\nBring <ID> please.\n" in text
    assert "<p>Use the north car park.</p>\n\n<p>Bring &lt;ID&gt; please.</p>" in html
    assert "<h1>A message about Voice of the Child</h1>" in html
    assert "When: Monday 12 July 2021, 12:00 to 14:30 (UK time)" in text
    # Sent after the session (the test runs later), so there is no place left to cancel.
    assert "IF YOU CANNOT COME" not in text
    assert "text/calendar" not in parts(message)
    assert list(message.iter_attachments()) == []
    notification = Notification.objects.get(kind="attendee_message", booking=first)
    assert notification.dedupe_key.startswith(f"attendee_message:booking-{first.pk}:")
    assert len(notification.dedupe_key.rsplit(":", 1)[1]) == 32


def test_same_message_is_sent_once_and_a_new_one_again(
    smtp, book_and_send, week_session, send_message
):
    book_and_send(week_session)
    smtp.inbox.envelopes.clear()

    send_message(week_session, subject="Parking", body="Use the north car park.")
    send_message(week_session, subject="Parking", body="Use the north car park.")
    send_message(week_session, subject="Parking", body="The north car park is closed.")
    send_message(week_session, subject="Parking update", body="The north car park is closed.")

    assert [m["Subject"] for m in smtp.messages] == [
        "Parking: Voice of the Child, Monday 12 July",
        "Parking: Voice of the Child, Monday 12 July",
        "Parking update: Voice of the Child, Monday 12 July",
    ]
    assert [parts(m)["text/plain"].count("north car park is closed") for m in smtp.messages] == [
        0,
        1,
        1,
    ]


def test_message_subject_stays_on_one_line(smtp, book_and_send, week_session, send_message):
    book_and_send(week_session)
    smtp.inbox.envelopes.clear()

    send_message(week_session, subject="Parking\r\nBcc: someone@example.com", body="Hello.")

    [envelope] = smtp.inbox.envelopes
    assert len(envelope.rcpt_tos) == 1
    assert smtp.messages[0]["Subject"] == (
        "Parking Bcc: someone@example.com: Voice of the Child, Monday 12 July"
    )
    assert smtp.messages[0]["Bcc"] is None


def test_message_before_the_session_says_how_to_cancel(smtp, send_message):
    session = SessionFactory()
    booking = book_session(session, person=UserFactory())

    send_message(session, subject="Parking", body="Use the north car park.")

    [message] = smtp.messages
    text, _html = bodies(message)
    assert f"Open your booking ({settings.SITE_URL}/bookings/{booking.pk}/)" in text
