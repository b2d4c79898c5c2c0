import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from booking.models import Booking
from events.models import describe_duration
from notifications.models import Notification
from tests.factories import UserFactory, book_three_days_before, mark_at_the_end

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def test_attended_person_downloads_their_certificate(client, trainer, past_session, attendee):
    booking = mark_at_the_end(
        book_three_days_before(past_session, attendee), Booking.Attendance.ATTENDED, by=trainer
    )
    client.force_login(attendee)

    response = client.get(reverse("staff:certificate", args=[booking.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="certificate-voice-of-the-child-2021-07-12.pdf"'
    )
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for expected in (
        "Durham Safeguarding Children Partnership",
        "Certificate of attendance",
        "Alex Morgan",
        "Voice of the Child",
        "on Monday 12 July 2021, 12:00 to 14:30",
        "Duration: 2 hours 30 minutes",
        "Trainer: Terry Trainer",
    ):
        assert expected in text


def test_certificate_url_is_as_documented(past_session, attendee):
    booking = book_three_days_before(past_session, attendee)

    assert reverse("staff:certificate", args=[booking.pk]) == (
        f"/bookings/{booking.pk}/certificate.pdf"
    )


@pytest.mark.parametrize("attendance", ["unmarked", "absent"])
def test_no_certificate_unless_attended(client, trainer, past_session, attendee, attendance):
    booking = book_three_days_before(past_session, attendee)
    if attendance != "unmarked":
        mark_at_the_end(booking, attendance, by=trainer)
    client.force_login(attendee)

    response = client.get(reverse("staff:certificate", args=[booking.pk]))

    assert response.status_code == 404


def test_marking_attended_announces_the_certificate_once(
    trainer, past_session, attendee, django_capture_on_commit_callbacks
):
    booking = book_three_days_before(past_session, attendee)

    # Each marking is its own request, so what it does on commit runs before the next one.
    for attendance in ("attended", "attended", "absent", "attended"):
        with django_capture_on_commit_callbacks(execute=True):
            mark_at_the_end(booking, attendance, by=trainer)

    announced = Notification.objects.filter(kind="certificate_available")
    assert [(n.booking, n.recipient) for n in announced] == [(booking, attendee.email)]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(150, "2 hours 30 minutes"), (60, "1 hour"), (45, "45 minutes"), (61, "1 hour 1 minute")],
)
def test_describe_duration(minutes, text):
    assert describe_duration(timedelta(minutes=minutes)) == text


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file(),
    reason="needs the DejaVu fonts (fonts-dejavu-core)",
)
def test_certificate_writes_names_beyond_western_european_letters(client, trainer, past_session):
    person = UserFactory(full_name="Łukasz Wiśniewski")
    booking = mark_at_the_end(
        book_three_days_before(past_session, person), Booking.Attendance.ATTENDED, by=trainer
    )
    client.force_login(person)

    response = client.get(reverse("staff:certificate", args=[booking.pk]))

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Łukasz Wiśniewski" in text
