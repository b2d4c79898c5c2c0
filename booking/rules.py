"""The booking rules that every surface asks: permissions, visibility and availability.

Predicates are built with ``rules`` and registered as permissions, so views, the API's
permission classes, templates (``{% has_perm %}``), the admin, emails and feeds all ask the
same question. What a person may not see is answered with a 404 by every surface.

Availability is decided here once: ``availability(session, now)`` for one session (its page,
its tag, the booking service) and ``bookable_now(now)``, the same rule as a filter, for lists
(the website's and the API's "available" filters). Both read the booking window.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import rules
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.rules import is_coordinator
from booking.models import Booking, Evaluation
from events.models import Session
from events.rules import is_trainer_of

# Who may see what.


@rules.predicate
def session_offers_joining(user, session) -> bool:
    """An online or hybrid session, not cancelled, with a joining link to show."""
    return bool(session.is_online and session.join_url and not session.is_cancelled)


@rules.predicate
def holds_confirmed_place(user, session) -> bool:
    """Whether the user has a confirmed place at the session.

    Reads ``viewer_is_confirmed`` when the query annotated it (``booking.queries``); else
    asks the database.
    """
    if not (user and user.is_authenticated):
        return False
    known = getattr(session, "viewer_is_confirmed", None)
    if known is not None:
        return bool(known)
    return Booking.objects.confirmed().filter(session=session, person=user).exists()


@rules.predicate
def owns_booking(user, booking) -> bool:
    return bool(user and user.is_authenticated and booking.person_id == user.pk)


may_see_register = is_trainer_of | is_coordinator
# Cheapest first: the annotations a list or feed carries answer before a query is needed.
may_see_join_url = session_offers_joining & (is_trainer_of | holds_confirmed_place | is_coordinator)
may_see_booking = owns_booking | is_coordinator
may_cancel_booking = owns_booking | is_coordinator
# Accepting or declining an offered place: the person, or a coordinator on their behalf.
may_answer_offer = owns_booking | is_coordinator

rules.add_perm("booking.see_register", may_see_register)
rules.add_perm("booking.see_join_url", may_see_join_url)
rules.add_perm("booking.see_booking", may_see_booking)

# After the session: the person evaluates their own booking; the certificate is theirs (and
# coordinators'); a session's evaluation summary is for those who see its register.
may_evaluate = owns_booking
may_have_certificate = owns_booking | is_coordinator
may_see_evaluation_summary = may_see_register
rules.add_perm("booking.evaluate", may_evaluate)
rules.add_perm("booking.have_certificate", may_have_certificate)
rules.add_perm("booking.see_evaluation_summary", may_see_evaluation_summary)


def holder_may_see_join_url(booking: Booking) -> bool:
    """``may_see_join_url`` for the booking's own person, whose place is known: the messages
    and the personal feed, which are about one booking and ask no query."""
    return booking.status == Booking.Status.CONFIRMED and session_offers_joining(
        None, booking.session
    )


def may_still_cancel(booking: Booking, now: datetime) -> bool:
    """A confirmed, offered or waitlisted place can be given up until the session starts."""
    return booking.is_active and now < booking.session.starts_at


def offer_is_open(booking: Booking, now: datetime) -> bool:
    """An offered place the person can still accept or decline."""
    return booking.status == Booking.Status.OFFERED and now < booking.offer_expires_at


def offer_has_expired(booking: Booking, now: datetime) -> bool:
    """An offer past its time: cancelled by ``allocate_places``, or not yet (by the clock)."""
    if booking.status == Booking.Status.OFFERED:
        return now >= booking.offer_expires_at
    return booking.offer_expired


# Fair allocation: offers of freed places and sector quotas.


def offer_deadline(session: Session) -> datetime:
    """An offer never runs past this: the booking close, or the start."""
    return min(session.booking_closes_at or session.starts_at, session.starts_at)


def offers_apply(session: Session, now: datetime) -> bool:
    """Whether a freed place is offered (held for ``offer_hours``) rather than confirmed.

    Only in offer mode, and only while a whole offer still fits before the deadline: with less
    time left the place is confirmed at once, so that it is not lost to an unanswered email.
    """
    return session.promotion == Session.Promotion.OFFER and now + timedelta(
        hours=session.offer_hours
    ) <= offer_deadline(session)


def quotas_apply(session: Session, now: datetime) -> bool:
    """Sector quotas hold places back until their release (``Session.quotas_release_at``)."""
    return bool(session.sector_quotas) and now < session.quotas_release_at


def allocation_managed(session: Session) -> bool:
    """Whether places at the session are given by offers or quotas rather than simply first
    come, first served: only then does booking need more than the plain count."""
    return session.promotion != Session.Promotion.AUTOMATIC or bool(session.sector_quotas)


def unfilled_reservations(session: Session, taken_by_sector: dict) -> dict[str, int]:
    """{sector: reserved places not yet taken by that sector} (confirmed places and offers)."""
    return {
        sector: max(0, places - taken_by_sector.get(sector, 0))
        for sector, places in session.reserved_places.items()
    }


def quota_allows(sector: str | None, *, free: int, unfilled: dict[str, int]) -> bool:
    """The quota rule: someone of ``sector`` (None: no sector) may take one of ``free`` places
    only if the other sectors' unfilled reservations still fit in what is left."""
    held_for_others = sum(n for other, n in unfilled.items() if other != sector)
    return free - held_for_others >= 1


def attendance_open(session: Session, now: datetime) -> bool:
    """Attendance can be marked from the (UK) day of the session."""
    return timezone.localdate(now) >= timezone.localdate(session.starts_at)


# After the session.

# Check-in codes avoid letters and digits that are easily confused (0/O, 1/I/L, 5/S, 2/Z).
CHECK_IN_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CHECK_IN_CODE_LENGTH = 6


def check_in_window(session: Session) -> tuple[datetime, datetime]:
    """When people can check themselves in: from ``CHECK_IN_OPENS_BEFORE`` the start to the end."""
    return session.starts_at - settings.CHECK_IN_OPENS_BEFORE, session.ends_at


def check_in_open(session: Session, now: datetime) -> bool:
    valid_from, valid_until = check_in_window(session)
    return not session.is_cancelled and valid_from <= now < valid_until


def check_in_code(session: Session) -> str:
    """The session's check-in code: six characters derived from its calendar UID.

    Derived, not stored: the same for the session's whole life, different for every session,
    and not guessable without the site's secret key.
    """
    digest = salted_hmac("convene.check-in", str(session.uid), algorithm="sha256").digest()
    number = int.from_bytes(digest[:8], "big")
    characters = []
    for _ in range(CHECK_IN_CODE_LENGTH):
        number, index = divmod(number, len(CHECK_IN_ALPHABET))
        characters.append(CHECK_IN_ALPHABET[index])
    return "".join(characters)


def normalise_code(code: str) -> str:
    """What people type: any case, with spaces or dashes ("k7x-9qp")."""
    return "".join(character for character in str(code).upper() if character.isalnum())


def check_in_code_matches(session: Session, code: str) -> bool:
    return hmac.compare_digest(normalise_code(code), check_in_code(session))


def is_attended(booking: Booking) -> bool:
    return (
        booking.status == Booking.Status.CONFIRMED
        and booking.attendance == Booking.Attendance.ATTENDED
    )


def has_evaluation(booking: Booking) -> bool:
    """Whether the booking's evaluation was submitted (reads ``evaluation_submitted_at`` when
    the query annotated it)."""
    if hasattr(booking, "evaluation_submitted_at"):
        return booking.evaluation_submitted_at is not None
    return Evaluation.objects.filter(booking=booking).exists()


def certificate_unlocked(booking: Booking) -> bool:
    """The certificate is there once the person attended and, where the course asks for it
    (the default), has sent their evaluation. Needs ``booking.session.event`` loaded."""
    if not is_attended(booking):
        return False
    return not booking.session.event.certificate_requires_evaluation or has_evaluation(booking)


# Availability.


class BookingState(StrEnum):
    CANCELLED = "cancelled"
    STARTED = "started"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    OPEN = "open"


@dataclass(frozen=True)
class Availability:
    """What a person can do at a session now: ``action`` is "book", "waitlist" or None."""

    state: BookingState
    places_left: int
    action: str | None
    opens_at: datetime | None = None

    @property
    def booking_open(self) -> bool:
        return self.state == BookingState.OPEN


# ``availability`` for anyone, not for a person of a given sector (None is "no sector").
ANY_SECTOR = object()


def booking_state(session: Session, now: datetime) -> BookingState:
    """Whether the session takes bookings at ``now``: the booking window and the session's own
    state. The booking service asks this under the session lock."""
    if session.is_cancelled:
        return BookingState.CANCELLED
    if now >= session.starts_at:
        return BookingState.STARTED
    if session.booking_opens_at is not None and now < session.booking_opens_at:
        return BookingState.NOT_OPEN_YET
    if now >= (session.booking_closes_at or session.starts_at):
        return BookingState.CLOSED
    return BookingState.OPEN


def waitlist_has_room(session: Session, waitlisted: int) -> bool:
    if not session.waitlist_enabled:
        return False
    return session.waitlist_limit is None or waitlisted < session.waitlist_limit


def availability(
    session: Session, now: datetime | None = None, *, sector: str | None = ANY_SECTOR
) -> Availability:
    """Availability of a session annotated with ``places_left`` (live offers count as taken)
    and ``waitlist_length`` (``booking.queries.sessions_with_availability``).

    With ``sector`` (a person's sector, None for no organisation), a free place that the
    session's quotas hold back for other sectors is not one that person can book: they can
    join the waitlist. That needs ``taken_by_sector`` on the session
    (``booking.queries.taken_by_sector``); without ``sector`` the answer is for anyone.
    """
    now = now or timezone.now()
    state = booking_state(session, now)
    action = None
    if state == BookingState.OPEN:
        if session.places_left > 0 and _sector_may_book(session, sector, now):
            action = "book"
        elif waitlist_has_room(session, session.waitlist_length):
            action = "waitlist"
    opens_at = session.booking_opens_at if state == BookingState.NOT_OPEN_YET else None
    return Availability(state, session.places_left, action, opens_at)


def _sector_may_book(session: Session, sector, now: datetime) -> bool:
    if sector is ANY_SECTOR or not quotas_apply(session, now):
        return True
    unfilled = unfilled_reservations(session, session.taken_by_sector)
    return quota_allows(sector, free=session.places_left, unfilled=unfilled)


def open_for_booking(now: datetime) -> Q:
    """``booking_state(session, now) == OPEN`` as a filter."""
    return (
        Q(status=Session.Status.SCHEDULED, starts_at__gt=now)
        & (Q(booking_opens_at__isnull=True) | Q(booking_opens_at__lte=now))
        & (Q(booking_closes_at__isnull=True) | Q(booking_closes_at__gt=now))
    )


def bookable_now(now: datetime) -> Q:
    """``availability(session, now).action == "book"`` as a filter, for sessions annotated
    with ``places_left``: open for booking with a place left."""
    return open_for_booking(now) & Q(places_left__gt=0)


# Coordinators' work on other people's bookings (the Manage pages).

may_manage_bookings = is_coordinator
rules.add_perm("booking.manage_bookings", may_manage_bookings)


def is_excusable(booking: Booking) -> bool:
    """A late cancellation can be marked as not late (excused), so records stay fair."""
    return booking.status == Booking.Status.CANCELLED and booking.late_cancellation


# An offer is the person's own to accept or decline, so it does not pass to someone else.
TRANSFERABLE = (Booking.Status.CONFIRMED, Booking.Status.WAITLISTED)


def may_transfer(booking: Booking, now: datetime) -> bool:
    """A confirmed or waitlisted place can pass to a colleague until the session starts."""
    return (
        booking.status in TRANSFERABLE
        and now < booking.session.starts_at
        and not booking.session.is_cancelled
    )


class Audience(StrEnum):
    """Who a coordinator's message goes to."""

    CONFIRMED = "confirmed"
    WAITLIST = "waitlist"
    BOTH = "both"

    @property
    def statuses(self) -> list[str]:
        return {
            "confirmed": [Booking.Status.CONFIRMED],
            "waitlist": [Booking.Status.WAITLISTED],
            "both": [Booking.Status.CONFIRMED, Booking.Status.WAITLISTED],
        }[self.value]
