"""Random sequences of booking operations, checked against a plain model after every step.

Hypothesis drives book / cancel / change capacity / mark attendance / waitlist on-off through
the real services on the test database (SQLite or PostgreSQL, whichever the run uses), keeps a
simple in-memory model of what should have happened, and after each step compares the database
with the model and checks the rules that must hold whatever happened before.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from booking import services
from booking.errors import (
    AlreadyBooked,
    AlreadyCancelled,
    CapacityBelowConfirmed,
    NotConfirmed,
    SessionFull,
)
from booking.models import Booking
from booking.queries import with_waitlist_position
from events.models import Session
from tests.factories import CoordinatorFactory, EventFactory, SessionFactory, UserFactory

PEOPLE = 6

CONFIRMED = Booking.Status.CONFIRMED
WAITLISTED = Booking.Status.WAITLISTED
CANCELLED = Booking.Status.CANCELLED


class BookingRules(RuleBasedStateMachine):
    bookings = Bundle("bookings")
    # Set by the test: the coordinator, the people and the event, made once for all examples.
    cast: dict

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint that teardown rolls back: examples never see each other.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.coordinator = self.cast["coordinator"]
        self.people = self.cast["people"]
        self.session = SessionFactory(capacity=2, event=self.cast["event"], venue=None)
        self.now = self.session.starts_at - timedelta(days=10)
        # The model: what each booking should be, and the queue in FIFO order.
        self.status: dict[int, str] = {}
        self.owner: dict[int, int] = {}
        self.attendance: dict[int, str] = {}
        self.queue: list[int] = []
        self.cancelled: set[int] = set()
        self.capacity = 2
        self.waitlist_enabled = True
        self.waitlist_limit: int | None = None

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # Model helpers

    def confirmed(self) -> int:
        return Counter(self.status.values())[CONFIRMED]

    def promote(self) -> None:
        while self.queue and self.confirmed() < self.capacity:
            self.status[self.queue.pop(0)] = CONFIRMED

    def tick(self, seconds: int) -> None:
        # Zero seconds leaves two bookings with the same waitlisted_at: the id breaks the tie.
        self.now += timedelta(seconds=seconds)

    # Rules

    @initialize(
        capacity=st.integers(1, 4),
        waitlist_limit=st.none() | st.integers(0, 3),
    )
    def configure(self, capacity, waitlist_limit):
        self.session.capacity = self.capacity = capacity
        self.session.waitlist_limit = self.waitlist_limit = waitlist_limit
        self.session.save(update_fields=["capacity", "waitlist_limit"])

    @rule(target=bookings, who=st.integers(0, PEOPLE - 1), seconds=st.integers(0, 2))
    def book(self, who, seconds):
        self.tick(seconds)
        person = self.people[who]
        holds = [pk for pk, owner in self.owner.items() if owner == person.pk]
        if any(self.status[pk] != CANCELLED for pk in holds):
            with pytest.raises(AlreadyBooked):
                services.book_session(self.session, person=person, now=self.now)
            return multiple()
        room_in_queue = self.waitlist_enabled and (
            self.waitlist_limit is None or len(self.queue) < self.waitlist_limit
        )
        if self.confirmed() >= self.capacity and not room_in_queue:
            with pytest.raises(SessionFull):
                services.book_session(self.session, person=person, now=self.now)
            return multiple()

        booking = services.book_session(self.session, person=person, now=self.now)

        self.owner[booking.pk] = person.pk
        self.attendance[booking.pk] = Booking.Attendance.UNMARKED
        if self.confirmed() < self.capacity:
            self.status[booking.pk] = CONFIRMED
            assert (booking.status, booking.waitlist_position) == (CONFIRMED, None)
        else:
            self.status[booking.pk] = WAITLISTED
            self.queue.append(booking.pk)
            assert (booking.status, booking.waitlist_position) == (WAITLISTED, len(self.queue))
        return booking.pk

    @rule(booking_id=bookings, seconds=st.integers(0, 2))
    def cancel(self, booking_id, seconds):
        self.tick(seconds)
        booking = Booking.objects.get(pk=booking_id)
        if self.status[booking_id] == CANCELLED:
            with pytest.raises(AlreadyCancelled):
                services.cancel_booking(booking, by=booking.person, now=self.now)
            return

        services.cancel_booking(booking, by=booking.person, now=self.now)

        was = self.status[booking_id]
        self.status[booking_id] = CANCELLED
        self.cancelled.add(booking_id)
        if was == WAITLISTED:
            self.queue.remove(booking_id)
        self.promote()

    @rule(capacity=st.integers(1, 6))
    def change_capacity(self, capacity):
        if capacity < self.confirmed():
            with pytest.raises(CapacityBelowConfirmed):
                services.update_session(self.session, capacity=capacity, by=self.coordinator)
            return

        services.update_session(self.session, capacity=capacity, by=self.coordinator)

        self.capacity = capacity
        self.promote()

    @rule(booking_id=bookings, attendance=st.sampled_from(Booking.Attendance.values))
    def mark_attendance(self, booking_id, attendance):
        booking = Booking.objects.get(pk=booking_id)
        on_the_day = self.session.starts_at
        if self.status[booking_id] != CONFIRMED:
            with pytest.raises(NotConfirmed):
                services.mark_attendance(
                    booking, attendance=attendance, by=self.coordinator, now=on_the_day
                )
            return

        services.mark_attendance(
            booking, attendance=attendance, by=self.coordinator, now=on_the_day
        )

        self.attendance[booking_id] = attendance

    @rule(enabled=st.booleans())
    def switch_waitlist(self, enabled):
        services.update_session(self.session, by=self.coordinator, waitlist_enabled=enabled)
        self.waitlist_enabled = enabled

    # What must hold after every step (read once, then checked rule by rule)

    @invariant()
    def rules_hold(self):
        capacity = Session.objects.values_list("capacity", flat=True).get(pk=self.session.pk)
        bookings = with_waitlist_position(Booking.objects.filter(session=self.session))
        rows = [
            {
                "pk": b.pk,
                "person_id": b.person_id,
                "status": b.status,
                "attendance": b.attendance,
                "waitlisted_at": b.waitlisted_at,
                "position": b.waitlist_position,
            }
            for b in bookings
        ]
        statuses = Counter(row["status"] for row in rows)

        # The database did exactly what the model says.
        assert capacity == self.capacity
        assert {row["pk"]: row["status"] for row in rows} == self.status
        assert {row["pk"]: row["attendance"] for row in rows} == self.attendance

        # Confirmed places never exceed capacity.
        assert statuses[CONFIRMED] <= self.capacity

        # No idle place while someone waits. Stronger than the rule needs: it also holds after
        # the waitlist is switched off, because the people already queuing keep their turn.
        if statuses[WAITLISTED]:
            assert statuses[CONFIRMED] == self.capacity

        # The waitlist is first come, first served, and the derived positions say so.
        waiting = sorted(
            (row["waitlisted_at"], row["pk"]) for row in rows if row["status"] == WAITLISTED
        )
        assert [pk for _, pk in waiting] == self.queue
        assert {row["pk"]: row["position"] for row in rows if row["position"]} == {
            pk: position for position, pk in enumerate(self.queue, start=1)
        }

        # At most one active booking per person.
        active = Counter(row["person_id"] for row in rows if row["status"] != CANCELLED)
        assert [n for n in active.values() if n > 1] == []

        # A cancelled booking never comes back.
        assert self.cancelled <= {row["pk"] for row in rows if row["status"] == CANCELLED}


@pytest.mark.slow
@pytest.mark.django_db
def test_booking_rules_hold_for_any_sequence_of_operations():
    cast = {
        "coordinator": CoordinatorFactory(),
        "people": UserFactory.create_batch(PEOPLE),
        "event": EventFactory(),
    }
    run_state_machine_as_test(
        type("BookingRulesWithCast", (BookingRules,), {"cast": cast}),
        settings=settings(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
