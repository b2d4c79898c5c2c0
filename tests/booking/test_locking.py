"""The booking lock covers one session row: other sessions of the same course stay bookable."""

import threading

import pytest
from django.db import connection, transaction

from booking.models import Booking
from booking.services import book_session, lock_session
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _book_with_lock_timeout(session, person) -> str:
    """Book in a fresh connection that gives up after 1 s waiting for a lock."""
    outcome = []

    def run():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                outcome.append(book_session(session, person=person).status)
        except Exception as error:  # the error class is the result here
            outcome.append(type(error).__name__)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=10)
    return outcome[0]


def _holding_lock_on(session):
    """Lock ``session`` in this thread's transaction until the block ends."""
    atomic = transaction.atomic()
    atomic.__enter__()
    lock_session(session.pk)
    return atomic


def test_book_session_not_blocked_by_a_lock_on_another_session_of_the_event():
    event = factories.EventFactory()
    locked, other = factories.SessionFactory.create_batch(2, event=event)
    person = factories.UserFactory()
    held = _holding_lock_on(locked)
    try:
        status = _book_with_lock_timeout(other, person)
    finally:
        held.__exit__(None, None, None)
    assert status == Booking.Status.CONFIRMED


def test_book_session_waits_for_a_lock_on_the_same_session():
    # Control: the harness sees a lock when there is one.
    session = factories.SessionFactory()
    person = factories.UserFactory()
    held = _holding_lock_on(session)
    try:
        status = _book_with_lock_timeout(session, person)
    finally:
        held.__exit__(None, None, None)
    assert status == "OperationalError"
