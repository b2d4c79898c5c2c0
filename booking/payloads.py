"""The API's own objects, built without the API layer, for webhook events.

``booking_data`` is ``GET /api/v1/bookings/{id}/`` and ``session_data`` is
``GET /api/v1/sessions/{id}/`` as a coordinator sees them, with two fields left out: a booking's
``access_needs`` (seen only by the session's trainers and coordinators, and deleted 30 days
after the session, which a copy in a partner's system would outlive) and a session's private
``join_url``. tests/booking/test_payloads.py holds them equal to the API's output, so the two
cannot drift apart. Times are ISO 8601 in Europe/London with their offset ("Z" for UTC), as
DRF writes them.

Events are emitted only when an endpoint wants them (``webhooks.services.wants``): building
the data costs a query or two, which a change that nobody listens for does not pay.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking
from booking.queries import (
    sector_quotas_with_counts,
    sessions_with_availability,
    waitlist_position,
)
from booking.rules import availability
from events.calendar import session_url
from events.models import Event, Session
from notifications.services import absolute_url
from webhooks import services as webhooks


def iso(value) -> str | None:
    """A time as DRF's DateTimeField writes it."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def booking_data(booking: Booking, *, event: Event | None = None) -> dict:
    """The booking as ``GET bookings/{id}/`` shows it (without ``access_needs``).

    Reads ``booking.session`` (times) and the session's event (``event`` when the caller has
    it, else one query); ``waitlist_position`` from the booking when set, else counted.
    """
    session = booking.session
    if event is None:
        event = Event.objects.only("pk", "slug", "title").get(pk=session.event_id)
    position = getattr(booking, "waitlist_position", None)
    if position is None and booking.status == Booking.Status.WAITLISTED:
        position = waitlist_position(booking)
    return {
        "id": booking.pk,
        "session": booking.session_id,
        "event": {"id": event.pk, "slug": event.slug, "title": event.title},
        "starts_at": iso(session.starts_at),
        "ends_at": iso(session.ends_at),
        "person": booking.person_id,
        "status": booking.status,
        "offer_expires_at": iso(booking.offer_expires_at),
        "waitlist_position": position if booking.status == Booking.Status.WAITLISTED else None,
        "attendance": booking.attendance,
        "late_cancellation": booking.late_cancellation,
        "source": booking.source,
        "created_at": iso(booking.created_at),
        "confirmed_at": iso(booking.confirmed_at),
        "waitlisted_at": iso(booking.waitlisted_at),
        "cancelled_at": iso(booking.cancelled_at),
    }


def session_data(session_id: int, *, now=None) -> dict:
    """The session as ``GET sessions/{id}/`` shows it to a coordinator (without ``join_url``)."""
    session = (
        sessions_with_availability(
            Session.objects.select_related("event__programme", "venue").prefetch_related(
                "event__themes", Prefetch("trainers")
            )
        )
        .filter(pk=session_id)
        .get()
    )
    event, programme, venue = session.event, session.event.programme, session.venue
    return {
        "id": session.pk,
        "event": {"id": event.pk, "slug": event.slug, "title": event.title},
        "programme": {"id": programme.pk, "slug": programme.slug, "title": programme.title},
        "themes": [
            {"id": theme.pk, "slug": theme.slug, "title": theme.title}
            for theme in event.themes.all()
        ],
        "starts_at": iso(session.starts_at),
        "ends_at": iso(session.ends_at),
        "delivery": session.delivery,
        "venue": None
        if venue is None
        else {
            "id": venue.pk,
            "name": venue.name,
            "address": venue.address,
            "postcode": venue.postcode,
            "accessibility": venue.accessibility,
        },
        "location": session.location_text,
        "capacity": session.capacity,
        "confirmed_count": session.confirmed_count,
        "offered_count": session.offered_count,
        "places_left": session.places_left,
        "waitlist_length": session.waitlist_length,
        "waitlist_enabled": session.waitlist_enabled,
        "promotion": session.promotion,
        "offer_hours": session.offer_hours,
        "sector_quotas": sector_quotas_with_counts(session),
        "quota_release_at": iso(session.quotas_release_at),
        "status": session.status,
        "cancellation_reason": session.cancellation_reason,
        "booking_open": availability(session, now).booking_open,
        "booking_opens_at": iso(session.booking_opens_at),
        "booking_closes_at": iso(session.booking_closes_at),
        "trainers": [
            {"id": trainer.pk, "full_name": trainer.full_name} for trainer in session.trainers.all()
        ],
        "url": session_url(session),
        "calendar_url": absolute_url(reverse("events:session_calendar", args=[session.pk])),
    }


# Emitting, from the booking services inside their transactions.


def booking_event(event_type: str, bookings, *, event: Event | None = None) -> None:
    """Emit ``event_type`` for each booking (nothing, and no query, if nobody listens)."""
    if not webhooks.wants(event_type):
        return
    for booking in bookings:
        webhooks.emit(event_type, booking_data(booking, event=event), key=f"booking-{booking.pk}")


def booking_event_by_id(event_type: str, booking_ids) -> None:
    if not webhooks.wants(event_type) or not booking_ids:
        return
    bookings = Booking.objects.select_related("session").filter(pk__in=list(booking_ids))
    booking_event(event_type, bookings.order_by("pk"))


def session_event(event_type: str, session_id: int) -> None:
    if webhooks.wants(event_type):
        webhooks.emit(event_type, session_data(session_id), key=f"session-{session_id}")
