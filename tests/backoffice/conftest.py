import pytest

from tests.factories import OrganisationFactory, SessionFactory, UserFactory, local


@pytest.fixture
def trainer_b(db):
    trainer = UserFactory(full_name="Tess Otherton")
    SessionFactory().trainers.add(trainer)
    return trainer


@pytest.fixture
def past_session(db, trainer):
    """A finished session of trainer "Terry Trainer", capacity 2, on 12 July 2021; its
    certificate needs no evaluation (tests/booking/test_after_session.py covers the gate)."""
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14, 30),
        capacity=2,
        event__title="Voice of the Child",
        event__slug="voice-of-the-child",
        event__certificate_requires_evaluation=False,
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
