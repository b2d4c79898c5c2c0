from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_session_must_end_after_it_starts():
    session = SessionFactory.build()
    session.ends_at = session.starts_at

    with pytest.raises(ValidationError) as error:
        session.full_clean(exclude=["event", "venue"])
    assert "ends_at" in error.value.message_dict


def test_session_end_before_start_is_refused_by_the_database():
    session = SessionFactory()
    session.ends_at = session.starts_at - timedelta(minutes=1)

    with pytest.raises(IntegrityError):
        session.save()


def test_session_needs_at_least_one_place():
    session = SessionFactory.build(capacity=0)

    with pytest.raises(ValidationError) as error:
        session.full_clean(exclude=["event", "venue"])
    assert "capacity" in error.value.message_dict


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        (timedelta(days=-1), timedelta(days=-2), "booking_closes_at"),
        (timedelta(hours=1), None, "booking_opens_at"),
        (timedelta(days=-800), None, "booking_opens_at"),
        (None, timedelta(days=1), "booking_closes_at"),
    ],
    ids=["closes before opens", "opens after start", "opens years ahead", "closes after end"],
)
def test_session_booking_window_must_be_sensible(opens, closes, field):
    session = SessionFactory.build()
    session.booking_opens_at = session.starts_at + opens if opens is not None else None
    session.booking_closes_at = session.starts_at + closes if closes is not None else None

    with pytest.raises(ValidationError) as error:
        session.full_clean(exclude=["event", "venue"])
    assert field in error.value.message_dict


def test_session_uids_are_stable_and_unique():
    first, second = SessionFactory(), SessionFactory()
    uid = first.uid

    first.capacity = 20
    first.save()
    first.refresh_from_db()

    assert first.uid == uid
    assert first.uid != second.uid
    assert first.sequence == 0


def test_online_session_location_is_online():
    session = SessionFactory.build(delivery="online", venue=None)

    assert session.location_text == "Online"
