"""Random sequences of booking operations, checked against a plain model after every step.

Hypothesis drives book / cancel / change capacity / mark attendance / waitlist on-off, and fair
allocation (offers accepted, declined or left to expire, ``allocate_places``, sector quotas and
their release, automatic or offer mode) through the real services on the test database (SQLite
or PostgreSQL, whichever the run uses), keeps a simple in-memory model of what should have
happened, and after each step compares the database with the model and checks the rules that
must hold whatever happened before.
"""

import copy
from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
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
    NotOffered,
    OfferExpired,
    SessionFull,
)
from booking.models import Booking
from booking.queries import with_waitlist_position
from common.errors import InvalidValue
from events.models import Session
from tests.factories import (
    CoordinatorFactory,
    EventFactory,
    OrganisationFactory,
    SessionFactory,
    UserFactory,
)

# Two police officers, two health visitors, a teacher and someone with no organisation.
SECTORS = ["police", "police", "health", "health", "education", None]
PEOPLE = len(SECTORS)

CONFIRMED = Booking.Status.CONFIRMED
WAITLISTED = Booking.Status.WAITLISTED
OFFERED = Booking.Status.OFFERED
CANCELLED = Booking.Status.CANCELLED
TAKING = (CONFIRMED, OFFERED)

QUOTAS = [{}, {"police": 1}, {"police": 1, "health": 1}, {"health": 2}, {"education": 1}]


TICKS = st.sampled_from([0, 1, 2, 13 * 3600])


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
        self.now = self.session.starts_at - timedelta(days=20)
        # The model: what each booking should be, and the queue in FIFO order.
        self.status: dict[int, str] = {}
        self.owner: dict[int, int] = {}
        self.sector: dict[int, str | None] = {}
        self.attendance: dict[int, str] = {}
        self.expires: dict[int, datetime] = {}
        self.expired: set[int] = set()
        self.queue: list[int] = []
        self.cancelled: set[int] = set()
        self.capacity = 2
        self.waitlist_enabled = True
        self.waitlist_limit: int | None = None
        self.offer_mode = False
        self.offer_hours = 24
        self.quotas: dict[str, int] = {}
        self.release = self.session.starts_at - timedelta(days=7)
        # When the waitlist was last given its places, and whether a coordinator has since made
        # room tighter than the quotas assume (fewer places, more reserved): see the invariants.
        self.filled_at = self.now
        self.tightened = False

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def update_session(self, session, **changes):
        """``services.update_session`` at the model's time (it reads the clock itself)."""
        with time_machine.travel(self.now, tick=False):
            return services.update_session(session, **changes)

    # Model helpers

    def confirmed(self) -> int:
        return Counter(self.status.values())[CONFIRMED]

    def taken(self) -> int:
        return sum(1 for status in self.status.values() if status in TAKING)

    def quotas_apply(self, at: datetime) -> bool:
        return bool(self.quotas) and at < self.release

    def unfilled(self) -> dict[str, int]:
        held = Counter(self.sector[pk] for pk, status in self.status.items() if status in TAKING)
        return {sector: max(0, places - held[sector]) for sector, places in self.quotas.items()}

    @staticmethod
    def allowed(sector, free: int, unfilled: dict[str, int]) -> bool:
        """The quota rule, written out again: the others' unfilled reservations must fit."""
        return free - sum(n for other, n in unfilled.items() if other != sector) >= 1

    def may_take_place(self, sector) -> bool:
        free = self.capacity - self.taken()
        if free <= 0:
            return False
        return not self.quotas_apply(self.now) or self.allowed(sector, free, self.unfilled())

    def promote(self) -> None:
        """Give free places to the first people in the queue whom the quota rule allows."""
        self.filled_at = self.now
        if self.now >= self.session.starts_at:
            return
        free = self.capacity - self.taken()
        unfilled = self.unfilled()
        quotas = self.quotas_apply(self.now)
        chosen = []
        for pk in self.queue:
            if free <= 0:
                break
            if quotas and not self.allowed(self.sector[pk], free, unfilled):
                continue
            chosen.append(pk)
            free -= 1
            if unfilled.get(self.sector[pk]):
                unfilled[self.sector[pk]] -= 1
        offer = self.offer_mode and (
            self.now + timedelta(hours=self.offer_hours) <= self.session.starts_at
        )
        for pk in chosen:
            self.queue.remove(pk)
            self.status[pk] = OFFERED if offer else CONFIRMED
            if offer:
                self.expires[pk] = self.now + timedelta(hours=self.offer_hours)

    def settle(self) -> None:
        """allocate_places: offers past their time are cancelled, then places are given."""
        for pk, status in self.status.items():
            if status == OFFERED and self.expires[pk] <= self.now:
                self.status[pk] = CANCELLED
                self.cancelled.add(pk)
                self.expired.add(pk)
        self.promote()

    def snapshot(self) -> dict:
        names = ("status", "expires", "expired", "queue", "cancelled", "filled_at")
        return {name: copy.copy(getattr(self, name)) for name in names}

    def restore(self, snapshot: dict) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)

    def offer_answer_refusal(self, booking_id):
        """The error accepting or declining must raise, or None when the offer is open."""
        if booking_id in self.expired or (
            self.status[booking_id] == OFFERED and self.now >= self.expires[booking_id]
        ):
            return OfferExpired
        if self.status[booking_id] != OFFERED:
            return NotOffered
        return None

    def tick(self, seconds: int) -> None:
        # Up to half a day at a time: offers (1 or 24 hours) run out and quotas are released
        # within a run, while the session (20 days ahead) never starts.
        # Zero seconds leaves two bookings with the same waitlisted_at: the id breaks the tie.
        self.now += timedelta(seconds=seconds)

    # Rules

    @initialize(
        capacity=st.integers(1, 3),
        waitlist_limit=st.none() | st.integers(1, 3),
        offer_mode=st.booleans(),
        offer_hours=st.sampled_from([1, 24]),
        quotas=st.sampled_from(QUOTAS),
        release_in_days=st.sampled_from([None, 3]),
    )
    def configure(self, capacity, waitlist_limit, offer_mode, offer_hours, quotas, release_in_days):
        if sum(quotas.values()) > capacity:
            quotas = {}
        self.session.capacity = self.capacity = capacity
        self.session.waitlist_limit = self.waitlist_limit = waitlist_limit
        self.offer_mode, self.offer_hours, self.quotas = offer_mode, offer_hours, quotas
        self.session.promotion = (
            Session.Promotion.OFFER if offer_mode else Session.Promotion.AUTOMATIC
        )
        self.session.offer_hours = offer_hours
        self.session.sector_quotas = [
            {"sector": sector, "places": places} for sector, places in quotas.items()
        ]
        if release_in_days is not None:
            self.release = self.now + timedelta(days=release_in_days)
            self.session.quota_release_at = self.release
        self.session.save()

    @rule(target=bookings, who=st.integers(0, PEOPLE - 1), seconds=TICKS)
    def book(self, who, seconds):
        self.tick(seconds)
        return multiple(*self.book_one(who))

    @rule(target=bookings, rush=st.lists(st.integers(0, PEOPLE - 1), min_size=2, max_size=5))
    def book_in_a_rush(self, rush):
        """Several people book one after another (a session opening, an email going out):
        this is what fills sessions and queues, where the allocation rules matter."""
        booked = []
        for who in rush:
            self.tick(1)
            booked += self.book_one(who)
        return multiple(*booked)

    def book_one(self, who) -> list[int]:
        person = self.people[who]
        holds = [pk for pk, owner in self.owner.items() if owner == person.pk]
        if any(self.status[pk] != CANCELLED for pk in holds):
            with pytest.raises(AlreadyBooked):
                services.book_session(self.session, person=person, now=self.now)
            return []
        before = self.snapshot()
        if self.offer_mode or self.quotas:
            # A session with offers or quotas first catches up with the clock.
            self.settle()
        room_in_queue = self.waitlist_enabled and (
            self.waitlist_limit is None or len(self.queue) < self.waitlist_limit
        )
        has_place = self.may_take_place(SECTORS[who])
        if not has_place and not room_in_queue:
            with pytest.raises(SessionFull):
                services.book_session(self.session, person=person, now=self.now)
            # A refused booking writes nothing, not even the catching up (allocate_places will).
            self.restore(before)
            return []

        booking = services.book_session(self.session, person=person, now=self.now)

        self.owner[booking.pk] = person.pk
        self.sector[booking.pk] = SECTORS[who]
        self.attendance[booking.pk] = Booking.Attendance.UNMARKED
        if has_place:
            self.status[booking.pk] = CONFIRMED
            assert (booking.status, booking.waitlist_position) == (CONFIRMED, None)
        else:
            self.status[booking.pk] = WAITLISTED
            self.queue.append(booking.pk)
            assert (booking.status, booking.waitlist_position) == (WAITLISTED, len(self.queue))
        return [booking.pk]

    @rule(booking_id=bookings, seconds=TICKS)
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
        if was == OFFERED and self.now >= self.expires[booking_id]:
            self.expired.add(booking_id)  # given up after its time: it had expired anyway
        if was == WAITLISTED:
            self.queue.remove(booking_id)
        if was in TAKING:
            self.promote()

    @rule(booking_id=bookings, seconds=TICKS)
    def accept(self, booking_id, seconds):
        self.tick(seconds)
        booking = Booking.objects.get(pk=booking_id)
        refusal = self.offer_answer_refusal(booking_id)
        if refusal is not None:
            with pytest.raises(refusal):
                services.accept_offer(booking, by=booking.person, now=self.now)
            return

        accepted = services.accept_offer(booking, by=booking.person, now=self.now)

        assert accepted.status == CONFIRMED
        self.status[booking_id] = CONFIRMED

    @rule(booking_id=bookings, seconds=TICKS)
    def decline(self, booking_id, seconds):
        self.tick(seconds)
        booking = Booking.objects.get(pk=booking_id)
        refusal = self.offer_answer_refusal(booking_id)
        if refusal is not None:
            with pytest.raises(refusal):
                services.decline_offer(booking, by=booking.person, now=self.now)
            return

        services.decline_offer(booking, by=booking.person, now=self.now)

        self.status[booking_id] = CANCELLED
        self.cancelled.add(booking_id)
        self.promote()

    @rule(seconds=TICKS)
    def allocate_places(self, seconds):
        self.tick(seconds)

        services.allocate_places(now=self.now)
        # Idempotent: a second run at the same time changes nothing (checked by the model).
        services.allocate_places(now=self.now)

        self.settle()

    @rule()
    def release_quotas_now(self):
        self.update_session(self.session, quota_release_at=self.now, by=self.coordinator)

        self.release = self.now
        self.promote()

    @rule(offer=st.booleans())
    def switch_promotion(self, offer):
        promotion = Session.Promotion.OFFER if offer else Session.Promotion.AUTOMATIC
        self.update_session(self.session, promotion=promotion, by=self.coordinator)

        self.offer_mode = offer

    @rule(capacity=st.integers(1, 6))
    def change_capacity(self, capacity):
        if capacity < self.taken():
            with pytest.raises(CapacityBelowConfirmed):
                self.update_session(self.session, capacity=capacity, by=self.coordinator)
            return
        if capacity < sum(self.quotas.values()):
            with pytest.raises(InvalidValue):
                self.update_session(self.session, capacity=capacity, by=self.coordinator)
            return

        self.update_session(self.session, capacity=capacity, by=self.coordinator)

        if capacity < self.capacity:
            self.tightened = True
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
        self.update_session(self.session, by=self.coordinator, waitlist_enabled=enabled)
        self.waitlist_enabled = enabled

    # What must hold after every step (read once, then checked rule by rule)

    @invariant()
    def rules_hold(self):
        capacity = Session.objects.values_list("capacity", flat=True).get(pk=self.session.pk)
        bookings = with_waitlist_position(
            Booking.objects.filter(session=self.session).select_related("person__organisation")
        )
        rows = [
            {
                "pk": b.pk,
                "person_id": b.person_id,
                "sector": b.person.organisation.sector if b.person.organisation else None,
                "status": b.status,
                "attendance": b.attendance,
                "waitlisted_at": b.waitlisted_at,
                "position": b.waitlist_position,
                "offer_expires_at": b.offer_expires_at,
            }
            for b in bookings
        ]
        statuses = Counter(row["status"] for row in rows)

        # The database did exactly what the model says.
        assert capacity == self.capacity
        assert {row["pk"]: row["status"] for row in rows} == self.status
        assert {row["pk"]: row["attendance"] for row in rows} == self.attendance
        assert {row["pk"]: row["offer_expires_at"] for row in rows if row["status"] == OFFERED} == {
            pk: self.expires[pk] for pk, status in self.status.items() if status == OFFERED
        }

        # Confirmed places and live offers never exceed capacity.
        assert statuses[CONFIRMED] + statuses[OFFERED] <= self.capacity

        # No idle place while someone waits whom the quota rule allows (as of the last time the
        # waitlist was given places: the clock alone releases quotas only when allocate_places
        # or a booking next runs). Stronger than the rule needs: it also holds after the
        # waitlist is switched off, because the people already queuing keep their turn.
        free = self.capacity - statuses[CONFIRMED] - statuses[OFFERED]
        waiting = [row for row in rows if row["status"] == WAITLISTED]
        if waiting and free > 0:
            assert self.quotas_apply(self.filled_at)
            unfilled = self.unfilled()
            assert [
                row["pk"] for row in waiting if self.allowed(row["sector"], free, unfilled)
            ] == []

        # Before the release, no sector holds more than its share (its reservation and the
        # places nobody reserved) while another sector's reservation is unfilled; unless a
        # coordinator has since cut the capacity, which bumps nobody.
        if self.quotas_apply(self.now) and not self.tightened:
            held = Counter(row["sector"] for row in rows if row["status"] in TAKING)
            for sector in {*held, *self.quotas}:
                others = {s: n for s, n in self.quotas.items() if s != sector}
                if any(held[s] < n for s, n in others.items()):
                    assert held[sector] <= self.capacity - sum(others.values())

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
    organisations = {
        sector: OrganisationFactory(name=f"Example {sector} agency", sector=sector)
        for sector in set(SECTORS) - {None}
    }
    cast = {
        "coordinator": CoordinatorFactory(),
        "people": [
            UserFactory(organisation=organisations[sector] if sector else None)
            for sector in SECTORS
        ],
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
