"""A real SMTP server (aiosmtpd) in the test process, and tasks that run at once."""

from datetime import timedelta

import icalendar
import pytest

from booking.services import book_session
from tests.factories import SessionFactory, UserFactory, local
from tests.smtp import SmtpServer

# Bookings in these tests are made on 1 July 2021 for sessions in the Awareness Week.
BOOKED_ON = local(2021, 7, 1, 9)


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def week_session(db):
    """Monday 12 July 2021, 12:00-14:30 in London (11:00Z, BST), two places."""
    starts_at = local(2021, 7, 12, 12)
    return SessionFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2, minutes=30),
        capacity=2,
        event__title="Voice of the Child",
    )


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    """Book through the real booking rules and run what they do on commit."""

    def _book(session, person=None, **kwargs):
        person = person or UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            return book_session(session, person=person, now=BOOKED_ON, **kwargs)

    return _book


def parts(message) -> dict[str, str]:
    """Map content type → decoded text for every non-multipart part of a message."""
    found = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        found.setdefault(part.get_content_type(), part.get_content())
    return found


def calendar_of(message) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(parts(message)["text/calendar"])


def vevent_of(message) -> icalendar.Event:
    return calendar_of(message).walk("VEVENT")[0]
