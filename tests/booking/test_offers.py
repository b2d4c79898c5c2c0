"""Offers of freed places: made, accepted, declined, expired, and the rules around them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from booking import services
from booking.errors import CapacityBelowConfirmed, NotOffered, OfferExpired
from booking.models import Booking
from common.errors import NotAllowed
from events.models import Session
from tests.factories import CoordinatorFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = Booking.Status.CONFIRMED
WAITLISTED = Booking.Status.WAITLISTED
OFFERED = Booking.Status.OFFERED
CANCELLED = Booking.Status.CANCELLED


@pytest.fixture
def offer_session(db):
    """One place, offer mode with 24 hours to answer, starting in a week."""
    return SessionFactory(capacity=1, promotion=Session.Promotion.OFFER, offer_hours=24)


def full_with_queue(session, waiting: int = 2):
    """Fill the session's one place and queue ``waiting`` people; return (holder, queue)."""
    now = session.starts_at - timedelta(days=5)
    holder = services.book_session(session, person=UserFactory(), now=now)
    queue = [
        services.book_session(session, person=UserFactory(), now=now + timedelta(seconds=n + 1))
        for n in range(waiting)
    ]
    return holder, queue


def statuses(session) -> list[str]:
    return list(
        Booking.objects.filter(session=session).order_by("pk").values_list("status", flat=True)
    )


def test_a_freed_place_is_offered_to_the_head_of_the_waitlist(offer_session):
    holder, (first, _second) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)

    services.cancel_booking(holder, by=holder.person, now=now)

    first.refresh_from_db()
    assert (first.status, first.offer_expires_at, first.confirmed_at) == (
        OFFERED,
        now + timedelta(hours=24),
        None,
    )
    assert statuses(offer_session) == [CANCELLED, OFFERED, WAITLISTED]


def test_automatic_mode_still_confirms_at_once(offer_session):
    offer_session.promotion = Session.Promotion.AUTOMATIC
    offer_session.save()
    holder, (first, _) = full_with_queue(offer_session)

    services.cancel_booking(
        holder, by=holder.person, now=offer_session.starts_at - timedelta(days=4)
    )

    first.refresh_from_db()
    assert (first.status, first.offer_expires_at) == (CONFIRMED, None)


def test_an_offer_takes_the_place_so_a_new_booking_waits(offer_session):
    holder, (_first, _second) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    late = services.book_session(offer_session, person=UserFactory(), now=now + timedelta(hours=1))

    assert (late.status, late.waitlist_position) == (WAITLISTED, 2)


def test_accepting_confirms_the_place(offer_session):
    holder, (first, _) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    accepted = services.accept_offer(first, by=first.person, now=now + timedelta(hours=23))

    first.refresh_from_db()
    assert (accepted.status, first.status, first.confirmed_at) == (
        CONFIRMED,
        CONFIRMED,
        now + timedelta(hours=23),
    )


def test_accepting_twice_is_refused_and_changes_nothing(offer_session):
    holder, (first, _) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)
    services.accept_offer(first, by=first.person, now=now + timedelta(hours=1))

    with pytest.raises(NotOffered):
        services.accept_offer(first, by=first.person, now=now + timedelta(hours=2))

    first.refresh_from_db()
    assert (first.status, first.confirmed_at) == (CONFIRMED, now + timedelta(hours=1))


def test_accepting_a_waitlist_place_is_refused(offer_session):
    _, (_first, second) = full_with_queue(offer_session)

    with pytest.raises(NotOffered):
        services.accept_offer(second, by=second.person)

    assert statuses(offer_session) == [CONFIRMED, WAITLISTED, WAITLISTED]


def test_accepting_someone_elses_offer_is_refused(offer_session):
    holder, (first, second) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    with pytest.raises(NotAllowed):
        services.accept_offer(first, by=second.person, now=now)

    first.refresh_from_db()
    assert first.status == OFFERED


def test_a_coordinator_can_answer_on_the_persons_behalf(offer_session):
    holder, (first, _) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    services.accept_offer(first, by=CoordinatorFactory(), now=now)

    first.refresh_from_db()
    assert first.status == CONFIRMED


def test_accepting_after_the_deadline_is_offer_expired_even_before_allocate_places_runs(
    offer_session,
):
    holder, (first, _) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    with pytest.raises(OfferExpired):
        services.accept_offer(first, by=first.person, now=now + timedelta(hours=24))
    with pytest.raises(OfferExpired):
        services.decline_offer(first, by=first.person, now=now + timedelta(hours=24))

    first.refresh_from_db()
    assert first.status == OFFERED


def test_declining_cancels_and_offers_the_place_to_the_next_person(offer_session):
    holder, (first, second) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    declined = services.decline_offer(first, by=first.person, now=now + timedelta(hours=2))

    second.refresh_from_db()
    assert declined.status == CANCELLED
    assert (declined.cancelled_by, declined.late_cancellation) == (first.person, False)
    assert (second.status, second.offer_expires_at) == (OFFERED, now + timedelta(hours=26))
    with pytest.raises(NotOffered):
        services.decline_offer(first, by=first.person, now=now + timedelta(hours=3))


def test_allocate_places_expires_offers_and_passes_the_place_on(offer_session):
    holder, (first, second) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)
    deadline = now + timedelta(hours=24)

    early = services.allocate_places(now=deadline - timedelta(seconds=1))
    totals = services.allocate_places(now=deadline)
    again = services.allocate_places(now=deadline)

    first.refresh_from_db()
    second.refresh_from_db()
    assert early == {"sessions": 0, "expired": 0, "allocated": 0}
    assert totals == {"sessions": 1, "expired": 1, "allocated": 1}
    assert again == {"sessions": 0, "expired": 0, "allocated": 0}
    assert (first.status, first.cancelled_at, first.cancelled_by, first.offer_expired) == (
        CANCELLED,
        deadline,
        None,
        True,
    )
    assert (second.status, second.offer_expires_at) == (OFFERED, deadline + timedelta(hours=24))
    with pytest.raises(OfferExpired):
        services.accept_offer(first, by=first.person, now=deadline)


def test_an_expired_offer_does_not_go_back_to_the_waitlist(offer_session):
    holder, (_first,) = full_with_queue(offer_session, waiting=1)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    services.allocate_places(now=now + timedelta(hours=24))

    assert statuses(offer_session) == [CANCELLED, CANCELLED]


def test_a_booking_after_the_deadline_first_passes_the_expired_offer_on(offer_session):
    holder, (_first, second) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    # allocate_places has not run yet: the booking itself settles the expired offer first.
    late = services.book_session(offer_session, person=UserFactory(), now=now + timedelta(hours=25))

    second.refresh_from_db()
    assert (second.status, late.status, late.waitlist_position) == (OFFERED, WAITLISTED, 1)


def test_with_less_than_the_offer_time_left_the_place_is_confirmed_at_once(offer_session):
    holder, (first, _) = full_with_queue(offer_session)

    services.cancel_booking(
        holder, by=holder.person, now=offer_session.starts_at - timedelta(hours=23)
    )

    first.refresh_from_db()
    assert (first.status, first.offer_expires_at) == (CONFIRMED, None)


def test_an_offer_never_runs_past_the_booking_close(offer_session):
    offer_session.booking_closes_at = offer_session.starts_at - timedelta(days=2)
    offer_session.save()
    holder, (first, second) = full_with_queue(offer_session)
    close = offer_session.booking_closes_at

    # A whole offer still fits before the close: offered, ending by then.
    services.cancel_booking(holder, by=holder.person, now=close - timedelta(hours=24))
    first.refresh_from_db()
    assert (first.status, first.offer_expires_at) == (OFFERED, close)

    # Less than a whole offer left: the next place is confirmed at once.
    services.decline_offer(first, by=first.person, now=close - timedelta(hours=1))
    second.refresh_from_db()
    assert (second.status, second.offer_expires_at) == (CONFIRMED, None)


def test_cancelling_an_offered_place_passes_it_on(offer_session):
    holder, (first, second) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    services.cancel_booking(first, by=first.person, now=now + timedelta(hours=1))

    second.refresh_from_db()
    assert second.status == OFFERED


def test_capacity_cannot_go_below_the_places_taken_with_offers(offer_session, coordinator):
    offer_session.capacity = 2
    offer_session.save()
    now = offer_session.starts_at - timedelta(days=5)
    first = services.book_session(offer_session, person=UserFactory(), now=now)
    services.book_session(offer_session, person=UserFactory(), now=now)
    queued = services.book_session(offer_session, person=UserFactory(), now=now)
    services.cancel_booking(first, by=first.person, now=now)
    queued.refresh_from_db()
    assert queued.status == OFFERED

    with pytest.raises(CapacityBelowConfirmed):
        services.update_session(offer_session, capacity=1, by=coordinator)


def test_allocate_places_command_takes_now(offer_session, capsys):
    holder, (first, _) = full_with_queue(offer_session)
    now = offer_session.starts_at - timedelta(days=4)
    services.cancel_booking(holder, by=holder.person, now=now)

    call_command("allocate_places", "--now", (now + timedelta(hours=25)).isoformat())

    first.refresh_from_db()
    assert first.status == CANCELLED
    assert capsys.readouterr().out == (
        "Offers expired: 1. Places given to the waitlist: 1. Sessions changed: 1.\n"
    )


def test_allocate_places_command_refuses_a_bad_time():
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("allocate_places", "--now", "next tuesday")
