"""Fault: PostgreSQL connections are terminated while people are booking.

A killer connection calls ``pg_terminate_backend`` on the bookers' backends mid-transaction (the
server-side process really exits). Every booking request must end booked exactly once, or with a
database error the client can retry; a retry then finds the booking that was made (already_booked)
or makes it. Capacity, one-booking-per-person and FIFO order must hold throughout.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, connection
from django_tasks_db.models import DBTaskResult

from booking import services
from booking.errors import AlreadyBooked
from booking.models import Booking
from booking.queries import waitlist_position
from tests.factories import SessionFactory, UserFactory
from tests.faults.conftest import Killer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PEOPLE = 36
CAPACITY = 12
WORKERS = 6
MAX_KILLS = 25
DEADLINE_SECONDS = 60


def book_like_a_client(session, person, pids: set[int], lock: threading.Lock) -> dict:
    """One person's request, retried on database errors the way a browser or client would."""
    outcome = {"person": person.pk, "errors": 0, "result": None}
    try:
        for _ in range(20):
            try:
                connection.ensure_connection()
                with lock:
                    pids.add(connection.connection.info.backend_pid)
                booking = services.book_session(session, person=person)
            except AlreadyBooked:
                # A retry after a lost answer finds the place the first attempt made.
                outcome["result"] = "already_booked"
                return outcome
            except DatabaseError:
                outcome["errors"] += 1
                connection.close()
                time.sleep(0.01)
            else:
                outcome["result"] = booking.status
                return outcome
        return outcome
    finally:
        connection.close()


def book_under_fire(session, people) -> list[dict]:
    """Everyone books at once while backends are being terminated; return each outcome."""
    pids: set[int] = set()
    lock = threading.Lock()
    killer = Killer(pids=pids, max_kills=MAX_KILLS)

    started = time.monotonic()
    killer.start()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(
            pool.map(lambda person: book_like_a_client(session, person, pids, lock), people)
        )
    killer.stop.set()
    killer.join(timeout=10)

    # The harness really broke connections mid-transaction, and clients saw it.
    assert killer.kills >= 3, killer.kills
    assert sum(o["errors"] for o in outcomes) >= 3
    assert time.monotonic() - started < DEADLINE_SECONDS
    return outcomes


def test_bookings_survive_terminated_connections():
    session = SessionFactory(capacity=CAPACITY, waitlist_enabled=True)
    people = UserFactory.create_batch(PEOPLE)

    outcomes = book_under_fire(session, people)

    # Every request ended: booked, waitlisted, or found its own earlier booking on retry.
    assert {o["result"] for o in outcomes} <= {"confirmed", "waitlisted", "already_booked"}
    # Exactly one active booking per person, never more than capacity confirmed.
    active = Booking.objects.active().filter(session=session)
    assert sorted(active.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert active.filter(status=Booking.Status.CONFIRMED).count() == CAPACITY
    assert active.filter(status=Booking.Status.WAITLISTED).count() == PEOPLE - CAPACITY
    # The waitlist is numbered 1..n with no gaps or repeats, and is a strict FIFO behind every
    # confirmed place (times are read inside the session lock).
    positions = [waitlist_position(b) for b in active.waitlisted()]
    assert sorted(positions) == list(range(1, PEOPLE - CAPACITY + 1))
    last_confirmed = max(active.confirmed().values_list("confirmed_at", flat=True))
    first_waitlisted = min(active.waitlisted().values_list("waitlisted_at", flat=True))
    assert last_confirmed <= first_waitlisted


def test_every_committed_booking_has_its_message_queued_after_terminated_connections():
    session = SessionFactory(capacity=CAPACITY, waitlist_enabled=True)
    people = UserFactory.create_batch(PEOPLE)

    book_under_fire(session, people)

    active = Booking.objects.active().filter(session=session)
    queued = Counter(
        task.args_kwargs["kwargs"]["ical_uid"]
        for task in DBTaskResult.objects.filter(task_path__endswith=".write_new_booking_message")
    )
    assert queued == {str(uid): 1 for uid in active.values_list("ical_uid", flat=True)}
