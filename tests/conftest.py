"""Fixtures shared by every test folder: people, sessions, the task backend, mail, the cache."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache

from booking.services import book_session
from tests import factories
from tests.smtp import SmtpServer

IN_CI = os.environ.get("CI") == "true"

# Bookings made by `book_and_send` are made on 1 July 2021, for sessions in the Awareness Week.
BOOKED_ON = factories.local(2021, 7, 1, 9)


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite locally; .ci/run runs them on PostgreSQL."""
    if uses_postgres():
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene "
        "(CI runs these on its PostgreSQL pass)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _mail_in_memory(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters and built feeds live in the cache; every test starts without them.

    With time frozen and ids reused after rollbacks, two tests could otherwise build feeds whose
    validators match, which cannot happen in a running database.
    """
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tasks_run_at_once(settings):
    """Run background tasks as soon as the change commits, as a worker would.

    Not the default: many tests check what is enqueued in the database backend's own table.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def tasks_stored(settings):
    """Enqueue tasks without running them, to see what the request itself does."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) in the test process, which Django's SMTP backend sends to."""
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


@pytest.fixture
def person(db):
    return factories.UserFactory()


@pytest.fixture
def coordinator(db):
    return factories.CoordinatorFactory()


@pytest.fixture
def trainer(db):
    return factories.UserFactory(full_name="Terry Trainer")


@pytest.fixture
def session(db, trainer):
    session = factories.SessionFactory(capacity=2)
    session.trainers.add(trainer)
    return session


@pytest.fixture
def week_session(db):
    """Monday 12 July 2021, 12:00-14:30 in London (11:00Z, BST), two places."""
    starts_at = factories.local(2021, 7, 12, 12)
    return factories.SessionFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2, minutes=30),
        capacity=2,
        event__title="Voice of the Child",
    )


@pytest.fixture
def book_and_send(tasks_run_at_once, django_capture_on_commit_callbacks):
    """``book_and_send(session, person=None)``: book through the real booking rules on
    ``BOOKED_ON`` and run what they do on commit, so the booking's message is written and sent."""

    def book(session, person=None, **kwargs):
        person = person or factories.UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            return book_session(session, person=person, now=BOOKED_ON, **kwargs)

    return book
