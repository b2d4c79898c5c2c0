from datetime import timedelta

import pytest

from booking import services
from booking.models import Booking
from tests.factories import OrganisationFactory, SessionFactory, UserFactory, local


def book(session, person, *, access_needs: str = "") -> Booking:
    """Book through the rules, three days before the session (which may lie in the past)."""
    return services.book_session(
        session,
        person=person,
        access_needs=access_needs,
        now=session.starts_at - timedelta(days=3),
    )


def mark(booking: Booking, attendance: str, *, by) -> Booking:
    return services.mark_attendance(
        booking, attendance=attendance, by=by, now=booking.session.ends_at
    )


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Messages are written and sent as soon as the change commits."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def trainer_b(db):
    trainer = UserFactory(full_name="Tess Otherton")
    SessionFactory().trainers.add(trainer)
    return trainer


@pytest.fixture
def past_session(db, trainer):
    """A finished session of trainer "Terry Trainer", capacity 2, on 12 July 2021."""
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14, 30),
        capacity=2,
        event__title="Voice of the Child",
        event__slug="voice-of-the-child",
    )
    session.trainers.add(trainer)
    return session


@pytest.fixture
def attendee(db):
    return UserFactory(
        full_name="Alex Morgan",
        job_title="Social Worker",
        organisation=OrganisationFactory(name="Example Council"),
    )
