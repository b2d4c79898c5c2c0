"""Who gets a place, and how: the steps the booking services run under the session lock.

Nothing here takes a lock or opens a transaction: every function expects the session row to be
locked already (``booking.services.lock_session``), and the use cases that call them
(``book_session``, ``cancel_booking``, ``accept_offer``, ``decline_offer``,
``allocate_places``...) live in ``booking.services``. The rules themselves (when an offer is
made, the quota rule) are predicates in ``booking.rules``.

A freed place goes to the first person on the waitlist whom the quota rule allows (everyone,
once quotas are released or when there are none): confirmed at once in automatic mode, or held
for them as an offer until ``offer_expires_at`` in offer mode. An offer that runs out is
cancelled and the place goes on to the next person.
"""

from datetime import datetime, timedelta

from django.db.models import F

from booking import rules
from booking.models import Booking
from booking.payloads import booking_event_by_id
from booking.queries import taken_by_sector
from booking.tasks import later, write_booking_messages
from events.models import Session
from notifications.kinds import Kind
from webhooks.models import EventType


def places_taken(session: Session) -> int:
    """Confirmed places and live offers."""
    return Booking.objects.taking_places().filter(session=session).count()


def sector_of(person) -> str | None:
    """A person's sector: their organisation's; None without one."""
    if person.organisation_id is None:
        return None
    return person.organisation.sector


def may_take_place(session: Session, *, person, now: datetime, taken: int) -> bool:
    """Whether a new booking by ``person`` gets a place now (else it waits, or is refused).

    A free place is needed; while quotas apply, the quota rule must allow the person's sector.
    """
    free = session.capacity - taken
    if free <= 0:
        return False
    if not rules.quotas_apply(session, now):
        return True
    unfilled = rules.unfilled_reservations(session, taken_by_sector(session))
    return rules.quota_allows(sector_of(person), free=free, unfilled=unfilled)


def fill_free_places(session: Session, *, now: datetime, taken: int | None = None) -> list[int]:
    """Give every free place to the waitlist, first come first served among those allowed.

    Nobody is promoted once the session has started, whatever freed the place: a place that
    appears during the session can no longer be taken up. Returns the promoted bookings' ids.
    """
    if now >= session.starts_at:
        return []
    if taken is None:
        taken = places_taken(session)
    free = session.capacity - taken
    if free <= 0:
        return []
    waiting = Booking.objects.filter(session=session).waitlist_order()
    if rules.quotas_apply(session, now):
        chosen = _first_allowed(session, waiting, free=free)
    else:
        chosen = list(waiting.values_list("pk", flat=True)[:free])
    if not chosen:
        return []
    if rules.offers_apply(session, now):
        Booking.objects.filter(pk__in=chosen).update(
            status=Booking.Status.OFFERED,
            offer_expires_at=now + timedelta(hours=session.offer_hours),
        )
        later(write_booking_messages, booking_ids=chosen, kind=Kind.BOOKING_OFFERED)
        booking_event_by_id(EventType.BOOKING_OFFERED, chosen)
    else:
        Booking.objects.filter(pk__in=chosen).update(
            status=Booking.Status.CONFIRMED, confirmed_at=now
        )
        later(write_booking_messages, booking_ids=chosen, kind=Kind.BOOKING_PROMOTED)
        booking_event_by_id(EventType.BOOKING_PROMOTED, chosen)
    return chosen


def _first_allowed(session: Session, waiting, *, free: int) -> list[int]:
    """The waitlist in order, skipping people whom the quota rule blocks, up to ``free``."""
    unfilled = rules.unfilled_reservations(session, taken_by_sector(session))
    chosen = []
    for pk, sector in waiting.values_list("pk", "person__organisation__sector"):
        if free <= 0:
            break
        if rules.quota_allows(sector, free=free, unfilled=unfilled):
            chosen.append(pk)
            free -= 1
            if unfilled.get(sector):
                unfilled[sector] -= 1
    return chosen


def expire_offers(session: Session, *, now: datetime) -> list[int]:
    """Cancel the session's offers whose time has run out and tell each person.

    An expired offer does not go back to the waitlist. The caller fills the freed places.
    """
    expired = list(
        Booking.objects.offered()
        .filter(session=session, offer_expires_at__lte=now)
        .values_list("pk", flat=True)
    )
    if expired:
        Booking.objects.filter(pk__in=expired).update(
            status=Booking.Status.CANCELLED,
            cancelled_at=now,
            cancelled_by=None,
            late_cancellation=False,
            # The personal feed showed a tentative place: it must change to cancelled.
            ical_sequence=F("ical_sequence") + 1,
        )
        later(write_booking_messages, booking_ids=expired, kind=Kind.OFFER_EXPIRED)
        booking_event_by_id(EventType.BOOKING_CANCELLED, expired)
    return expired


def settle(session: Session, *, now: datetime) -> list[int]:
    """Bring the session up to ``now``: expire overdue offers, then fill free places (quotas
    released, offers run out). Idempotent: a second call at the same time changes nothing.
    Returns the ids of every booking changed."""
    expired = expire_offers(session, now=now)
    return expired + fill_free_places(session, now=now)
