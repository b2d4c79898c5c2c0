"""Sector quotas: places held back for sectors until the release, then first come, first served."""

from datetime import timedelta

import pytest

from booking import services
from booking.errors import SessionFull
from booking.models import Booking
from events.models import Session
from events.services import duplicate_session
from tests.factories import OrganisationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies(db):
    return {
        sector: OrganisationFactory(name=f"Example {sector}", sector=sector)
        for sector in ("police", "health", "education")
    }


def person_of(agencies, sector):
    return UserFactory(organisation=agencies[sector] if sector else None)


def book(session, agencies, sector, *, now):
    return services.book_session(session, person=person_of(agencies, sector), now=now)


def status_of(booking) -> str:
    return Booking.objects.values_list("status", flat=True).get(pk=booking.pk)


def quota_session(capacity=3, **kwargs):
    return SessionFactory(
        capacity=capacity,
        sector_quotas=[{"sector": "police", "places": 1}, {"sector": "health", "places": 1}],
        **kwargs,
    )


def test_before_release_other_sectors_reservations_are_kept(agencies):
    session = quota_session()
    now = session.starts_at - timedelta(days=10)

    first = book(session, agencies, "education", now=now)
    second = book(session, agencies, "education", now=now)
    nobody = book(session, agencies, None, now=now)

    assert (first.status, second.status, nobody.status) == ("confirmed", "waitlisted", "waitlisted")


def test_a_person_the_rule_allows_is_confirmed_while_others_wait(agencies):
    session = quota_session()
    now = session.starts_at - timedelta(days=10)
    book(session, agencies, "education", now=now)
    waiting = book(session, agencies, "education", now=now)

    police = book(session, agencies, "police", now=now)
    health = book(session, agencies, "health", now=now)

    assert (police.status, health.status, status_of(waiting)) == (
        "confirmed",
        "confirmed",
        "waitlisted",
    )


def test_a_sector_beyond_its_reservation_shares_the_unreserved_places(agencies):
    session = quota_session(capacity=4)
    now = session.starts_at - timedelta(days=10)

    police = [book(session, agencies, "police", now=now) for _ in range(4)]

    # One reserved for police, two unreserved, one kept for health.
    assert [b.status for b in police] == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_promotion_takes_the_first_waiting_person_the_rule_allows(agencies):
    session = quota_session(capacity=2, waitlist_enabled=True)
    session.sector_quotas = [{"sector": "police", "places": 1}]
    session.save()
    now = session.starts_at - timedelta(days=10)
    officer = book(session, agencies, "police", now=now)
    book(session, agencies, "health", now=now)
    blocked = book(session, agencies, "health", now=now)
    allowed = book(session, agencies, "police", now=now)
    assert (blocked.status, allowed.status) == ("waitlisted", "waitlisted")

    # The officer's place is reserved for police: the health visitor first in line waits.
    services.cancel_booking(officer, by=officer.person, now=now)

    assert (status_of(blocked), status_of(allowed)) == ("waitlisted", "confirmed")


def test_release_gives_every_place_left_to_the_waitlist_in_order(agencies):
    session = quota_session()
    now = session.starts_at - timedelta(days=10)
    book(session, agencies, "education", now=now)
    queue = [
        book(session, agencies, "education", now=now + timedelta(seconds=n)) for n in (1, 2, 3)
    ]
    release = session.starts_at - timedelta(days=7)

    before = services.allocate_places(now=release - timedelta(seconds=1))
    totals = services.allocate_places(now=release)
    again = services.allocate_places(now=release)

    assert before == {"sessions": 0, "expired": 0, "allocated": 0}
    assert totals == {"sessions": 1, "expired": 0, "allocated": 2}
    assert again == {"sessions": 0, "expired": 0, "allocated": 0}
    assert [status_of(b) for b in queue] == ["confirmed", "confirmed", "waitlisted"]


def test_release_in_offer_mode_offers_the_places(agencies):
    session = quota_session(promotion=Session.Promotion.OFFER)
    session.quota_release_at = session.starts_at - timedelta(days=3)
    session.save()
    now = session.starts_at - timedelta(days=10)
    book(session, agencies, "education", now=now)
    waiting = book(session, agencies, "education", now=now)

    services.allocate_places(now=session.quota_release_at)

    waiting.refresh_from_db()
    assert (waiting.status, waiting.offer_expires_at) == (
        "offered",
        session.quota_release_at + timedelta(hours=24),
    )


def test_after_release_quotas_no_longer_apply(agencies):
    session = quota_session()
    after = session.starts_at - timedelta(days=6)

    booked = [book(session, agencies, "education", now=after) for _ in range(3)]

    assert [b.status for b in booked] == ["confirmed"] * 3


def test_a_blocked_person_is_refused_when_the_waitlist_is_closed(agencies):
    session = quota_session(waitlist_enabled=False)
    now = session.starts_at - timedelta(days=10)
    book(session, agencies, "education", now=now)

    with pytest.raises(SessionFull):
        book(session, agencies, "education", now=now)


def test_live_offers_fill_their_sectors_reservation(agencies):
    session = SessionFactory(
        capacity=2,
        promotion=Session.Promotion.OFFER,
        sector_quotas=[{"sector": "police", "places": 1}],
    )
    now = session.starts_at - timedelta(days=10)
    health = book(session, agencies, "health", now=now)
    officer = book(session, agencies, "police", now=now)
    waiting_officer = book(session, agencies, "police", now=now)
    services.cancel_booking(officer, by=officer.person, now=now)
    assert status_of(waiting_officer) == "offered"

    # The offer fills the police reservation, so an education booking may wait for a place
    # only because the session is full, not because of the quota.
    services.cancel_booking(health, by=health.person, now=now)
    teacher = book(session, agencies, "education", now=now)

    assert teacher.status == "confirmed"


def test_lowering_a_quota_gives_the_waitlist_the_places_it_frees(agencies, coordinator):
    session = quota_session()
    now = session.starts_at - timedelta(days=10)
    book(session, agencies, "education", now=now)
    waiting = book(session, agencies, "education", now=now)

    services.update_session(
        session, sector_quotas=[{"sector": "police", "places": 1}], by=coordinator
    )

    assert status_of(waiting) == "confirmed"


def test_a_duplicate_keeps_the_allocation_settings_and_moves_the_release(coordinator):
    session = SessionFactory(
        capacity=6,
        promotion=Session.Promotion.OFFER,
        offer_hours=12,
        sector_quotas=[{"sector": "police", "places": 2}],
    )
    session.quota_release_at = session.starts_at - timedelta(days=2)
    session.save()
    week = timedelta(days=7)

    copy = duplicate_session(
        session, starts_at=session.starts_at + week, ends_at=session.ends_at + week, by=coordinator
    )

    assert (copy.promotion, copy.offer_hours, copy.sector_quotas) == (
        "offer",
        12,
        [{"sector": "police", "places": 2}],
    )
    assert copy.quota_release_at == session.quota_release_at + week
