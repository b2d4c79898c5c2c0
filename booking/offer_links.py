"""The one-click links in an offer email: a signed token that names the booking.

The token stands in for signing in, for one booking only: it carries the booking's id and its
calendar UID (unguessable), signed with the site's secret key, and stops working a day after the
longest possible offer. Whether the offer is still open is the booking rules' answer, not the
token's. A link opens a page whose buttons POST, so a mail scanner that fetches it changes
nothing.
"""

from django.core import signing

from booking.models import Booking
from events.models import MAX_OFFER_HOURS

SALT = "booking.offer-link"
MAX_AGE = (MAX_OFFER_HOURS + 24) * 3600


def offer_token(booking: Booking) -> str:
    return signing.dumps([booking.pk, booking.ical_uid.hex], salt=SALT, compress=False)


def booking_for_offer_token(token: str) -> Booking | None:
    """The booking a token names, or None for a token that is forged, mangled or too old."""
    try:
        pk, uid = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Booking.objects.select_related("person", "session__event", "session__venue")
        .filter(pk=pk, ical_uid=uid)
        .first()
    )
