"""The booking rules under real concurrency, on PostgreSQL.

Each worker is a thread with its own database connection. Every worker connects first, then
waits at a barrier, so all of them hit the booking rules in the same instant. The control test
runs the same harness through a test-only booking path without the session lock and shows that
the harness does see a race: if the real tests pass, it is because the lock works.
"""

import threading
import time
from collections import Counter
from functools import partial

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from booking import services
from booking.models import Booking
from booking.queries import with_waitlist_position
from common.errors import DomainError
from tests.factories import (
    CoordinatorFactory,
    OrganisationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = range(1, 6)


def run_together(calls):
    """Run each call in its own thread and connection, all released at once; return outcomes.

    An outcome is the call's return value, or the ``code`` of the DomainError it raised.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def work(index, call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            try:
                outcomes[index] = call()
            except DomainError as error:
                outcomes[index] = error.code
        except Exception as error:  # surfaced by the assertion below
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    unexpected = [o for o in outcomes if isinstance(o, Exception)]
    assert unexpected == []
    return outcomes


def people_from_one_agency(count):
    return UserFactory.create_batch(count, organisation=OrganisationFactory())


def assert_invariants(session):
    """Check what must hold for any session at rest."""
    session.refresh_from_db()
    bookings = Booking.objects.filter(session=session)
    confirmed = bookings.confirmed().count()
    waiting = with_waitlist_position(bookings.waitlist_order())
    assert confirmed <= session.capacity
    if waiting:
        assert confirmed == session.capacity
    assert [b.waitlist_position for b in waiting] == list(range(1, len(waiting) + 1))
    active_per_person = Counter(bookings.active().values_list("person_id", flat=True))
    assert [n for n in active_per_person.values() if n > 1] == []
    return confirmed, len(waiting)


def book_without_lock(session, *, person):
    """The booking rule minus the session lock: count, pause, insert. Test-only."""
    with transaction.atomic():
        confirmed = Booking.objects.confirmed().filter(session=session).count()
        time.sleep(0.005)  # widen the window between the count and the insert
        now = timezone.now()
        if confirmed < session.capacity:
            fields = {"status": Booking.Status.CONFIRMED, "confirmed_at": now}
        else:
            fields = {"status": Booking.Status.WAITLISTED, "waitlisted_at": now}
        return Booking.objects.create(session=session, person=person, created_at=now, **fields)


def test_control_booking_without_the_lock_overbooks():
    """Proves the harness can see a race, so the tests below could fail."""
    overbooked_rounds = 0
    for _ in range(3):
        session = SessionFactory(capacity=10)
        people = people_from_one_agency(30)

        run_together([partial(book_without_lock, session, person=p) for p in people])

        if Booking.objects.confirmed().filter(session=session).count() > session.capacity:
            overbooked_rounds += 1
    assert overbooked_rounds >= 1


@pytest.mark.parametrize("round_number", ROUNDS)
def test_fifty_people_booking_ten_places_at_once(round_number):
    session = SessionFactory(capacity=10)
    people = people_from_one_agency(50)

    outcomes = run_together([lambda p=p: services.book_session(session, person=p) for p in people])

    statuses = Counter(booking.status for booking in outcomes)
    assert statuses == {"confirmed": 10, "waitlisted": 40}
    # The position each person was told is the position the queue gives them.
    told = sorted(b.waitlist_position for b in outcomes if b.status == "waitlisted")
    assert told == list(range(1, 41))
    derived = {
        b.pk: b.waitlist_position
        for b in with_waitlist_position(Booking.objects.filter(session=session))
    }
    assert {b.pk: b.waitlist_position for b in outcomes} == derived
    assert assert_invariants(session) == (10, 40)


@pytest.mark.parametrize("round_number", ROUNDS)
def test_twenty_identical_requests_make_one_booking(round_number):
    session = SessionFactory(capacity=10)
    person = UserFactory()

    outcomes = run_together(
        [lambda: services.book_session(session, person=person) for _ in range(20)]
    )

    assert Counter(o if isinstance(o, str) else o.status for o in outcomes) == {
        "confirmed": 1,
        "already_booked": 19,
    }
    assert Booking.objects.filter(session=session).count() == 1


@pytest.mark.parametrize("round_number", ROUNDS)
def test_cancellations_and_bookings_interleaved_keep_the_rules(round_number):
    session = SessionFactory(capacity=10)
    coordinator = CoordinatorFactory()
    held = [services.book_session(session, person=p) for p in people_from_one_agency(20)]
    leaving = held[:5] + held[10:15]  # five confirmed places, five waiting
    newcomers = people_from_one_agency(15)

    calls = [lambda b=b: services.cancel_booking(b, by=b.person) for b in leaving]
    calls += [lambda p=p: services.book_session(session, person=p) for p in newcomers]
    calls.append(lambda: services.update_session(session, capacity=12, by=coordinator))
    outcomes = run_together(calls)

    assert [o for o in outcomes if isinstance(o, str)] == []
    assert assert_invariants(session) == (12, 13)
    assert set(
        Booking.objects.filter(pk__in=[b.pk for b in leaving]).values_list("status", flat=True)
    ) == {"cancelled"}
    # The five who were waiting longest and stayed got the freed places, before any newcomer.
    stayed_waiting = [b.pk for b in held[15:]]
    assert set(Booking.objects.filter(pk__in=stayed_waiting).values_list("status", flat=True)) == {
        "confirmed"
    }
