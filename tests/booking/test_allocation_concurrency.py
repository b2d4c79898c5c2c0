"""Fair allocation under real concurrency, on PostgreSQL: offers answered while they expire or
are cancelled, and a rush of people from every sector on a session with quotas.

Uses the harness of ``test_concurrency`` (threads with their own connections, released at
once by a barrier), whose control case proves that it can see a race.
"""

from collections import Counter
from datetime import timedelta

import pytest

from booking import services
from booking.models import Booking
from booking.queries import with_waitlist_position
from events.models import Session
from tests.booking.test_concurrency import ROUNDS, assert_invariants, run_together
from tests.factories import (
    CoordinatorFactory,
    OrganisationFactory,
    SessionFactory,
    UserFactory,
    next_week_at,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def session_with_an_offer(queue: int = 2):
    """A one-place offer-mode session whose freed place is offered to the head of a queue."""
    session = SessionFactory(capacity=1, promotion=Session.Promotion.OFFER, offer_hours=24)
    now = session.starts_at - timedelta(days=5)
    holder = services.book_session(session, person=UserFactory(), now=now)
    waiting = [
        services.book_session(session, person=UserFactory(), now=now + timedelta(seconds=n + 1))
        for n in range(queue)
    ]
    services.cancel_booking(holder, by=holder.person, now=now + timedelta(minutes=1))
    for booking in waiting:
        booking.refresh_from_db()
    assert waiting[0].status == Booking.Status.OFFERED
    return session, waiting


def statuses(bookings) -> list[str]:
    ids = [b.pk for b in bookings]
    found = dict(Booking.objects.filter(pk__in=ids).values_list("pk", "status"))
    return [found[pk] for pk in ids]


def assert_places_held(session):
    """Confirmed places and live offers never exceed capacity."""
    session.refresh_from_db()
    taken = Booking.objects.filter(session=session, status__in=Booking.PLACE_STATUSES).count()
    assert taken <= session.capacity


@pytest.mark.parametrize("round_number", ROUNDS)
def test_accept_against_expiry_has_one_winner(round_number):
    session, (offered, nxt) = session_with_an_offer()
    deadline = offered.offer_expires_at

    outcomes = run_together(
        [
            lambda: services.accept_offer(
                offered, by=offered.person, now=deadline - timedelta(seconds=1)
            ),
            lambda: services.allocate_places(now=deadline),
        ]
    )

    accepted, allocated = outcomes
    if accepted == "offer_expired":
        # Expiry came first: the place went on, and accepting was refused.
        assert allocated == {"sessions": 1, "expired": 1, "allocated": 1}
        assert statuses([offered, nxt]) == ["cancelled", "offered"]
    else:
        # Acceptance came first: nothing was left to expire.
        assert accepted.status == Booking.Status.CONFIRMED
        assert allocated == {"sessions": 0, "expired": 0, "allocated": 0}
        assert statuses([offered, nxt]) == ["confirmed", "waitlisted"]
    assert_places_held(session)


@pytest.mark.parametrize("round_number", ROUNDS)
def test_decline_against_cancel_passes_the_place_on_once(round_number):
    session, (offered, nxt, last) = session_with_an_offer(queue=3)
    coordinator = CoordinatorFactory()

    outcomes = run_together(
        [
            lambda: services.decline_offer(offered, by=offered.person),
            lambda: services.cancel_booking(offered, by=coordinator),
        ]
    )

    codes = sorted(o if isinstance(o, str) else o.status for o in outcomes)
    assert codes in (["already_cancelled", "cancelled"], ["cancelled", "not_offered"])
    assert statuses([offered, nxt, last]) == ["cancelled", "offered", "waitlisted"]
    assert_places_held(session)


@pytest.mark.parametrize("round_number", ROUNDS)
def test_declines_and_cancellations_of_different_places_at_once(round_number):
    session = SessionFactory(capacity=4, promotion=Session.Promotion.OFFER)
    held = [services.book_session(session, person=UserFactory()) for _ in range(10)]
    confirmed, queue = held[:4], held[4:]
    services.cancel_booking(confirmed[0], by=confirmed[0].person)
    services.cancel_booking(confirmed[1], by=confirmed[1].person)
    offers = queue[:2]
    assert statuses(offers) == ["offered", "offered"]

    outcomes = run_together(
        [lambda b=b: services.decline_offer(b, by=b.person) for b in offers]
        + [lambda b=b: services.cancel_booking(b, by=b.person) for b in confirmed[2:]]
    )

    assert [o.status for o in outcomes] == ["cancelled"] * 4
    # Four places freed at once: the next four in the queue are offered them, in order.
    assert statuses(queue) == ["cancelled"] * 2 + ["offered"] * 4
    assert_places_held(session)


QUOTAS = {"police": 5, "health": 5, "education": 4}
# 200 people: 50 police, 50 health, 50 education, 30 voluntary sector, 20 with no organisation.
MIX = {"police": 50, "health": 50, "education": 50, "voluntary_community": 30, None: 20}


@pytest.mark.parametrize("round_number", ROUNDS)
def test_two_hundred_people_of_mixed_sectors_on_twenty_places_with_quotas(round_number):
    # Two weeks out: quotas are released a week before the start (for the factory's session
    # next week at noon, today at noon: the test would fail every afternoon).
    session = SessionFactory(
        capacity=20,
        sector_quotas=[{"sector": s, "places": n} for s, n in QUOTAS.items()],
        starts_at=next_week_at() + timedelta(days=7),
    )
    agencies = {s: OrganisationFactory(name=f"Example {s}", sector=s) for s in MIX if s}
    people = [
        UserFactory(organisation=agencies[sector] if sector else None)
        for sector, count in MIX.items()
        for _ in range(count)
    ]
    sector_of = {p.pk: (p.organisation.sector if p.organisation else None) for p in people}
    # Forty connections, five bookings each, all released at once.
    batches = [people[i::40] for i in range(40)]

    def book_batch(batch):
        return [services.book_session(session, person=p) for p in batch]

    outcomes = run_together([lambda b=b: book_batch(b) for b in batches])

    bookings = [booking for batch in outcomes for booking in batch]
    assert Counter(b.status for b in bookings) == {"confirmed": 20, "waitlisted": 180}
    held = Counter(sector_of[b.person_id] for b in bookings if b.status == "confirmed")
    # Every reservation is filled, and the rest went to the six places nobody reserved.
    for sector, places in QUOTAS.items():
        assert held[sector] >= places
    beyond = sum(held.values()) - sum(min(held[s], n) for s, n in QUOTAS.items())
    assert beyond == 20 - sum(QUOTAS.values())
    # What each person was told is what the queue says.
    derived = {
        b.pk: b.waitlist_position
        for b in with_waitlist_position(Booking.objects.filter(session=session))
    }
    assert {b.pk: b.waitlist_position for b in bookings} == derived
    assert assert_invariants(session) == (20, 180)

    # At the release the queue moves on in order: nothing is free, so nobody moves.
    release = session.starts_at - timedelta(days=7)
    assert services.allocate_places(now=release) == {"sessions": 0, "expired": 0, "allocated": 0}
