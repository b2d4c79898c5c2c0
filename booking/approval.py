"""Line-manager approval links: who may open them, and for how long.

A link names one booking and carries a signature of that booking's id and calendar UID (salted,
keyed with SECRET_KEY), so it cannot be guessed, and a link made for one booking never opens
another. It works for ``APPROVAL_LINK_DAYS`` (14) from the request. Opening it only shows the
request: its Approve and Decline buttons POST, so a mail scanner that fetches links changes
nothing. Once decided, the link shows the decision and decides nothing again.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from booking.models import Booking
from common.errors import NotFound
from notifications.services import absolute_url

SALT = "booking.approval"


def lifetime() -> timedelta:
    return timedelta(days=settings.APPROVAL_LINK_DAYS)


def approval_token(booking: Booking) -> str:
    signed = signing.Signer(salt=SALT).sign(f"{booking.pk}.{booking.ical_uid}")
    return signed.rsplit(signing.Signer().sep, 1)[1]


def approval_url(booking: Booking) -> str:
    return absolute_url(reverse("approvals:decide", args=[booking.pk, approval_token(booking)]))


def booking_for_link(pk: int, token: str) -> Booking:
    """The booking an approval link names, if the link is genuine (else ``NotFound``: a wrong or
    altered link looks like no link at all). Any state: the page says what became of it."""
    booking = (
        Booking.objects.select_related("person__organisation", "session__event", "session__venue")
        .filter(pk=pk)
        .exclude(manager_email="")
        .first()
    )
    if booking is None or not constant_time_compare(approval_token(booking), token):
        raise NotFound("This approval link is not valid.")
    return booking


def link_expires_at(booking: Booking) -> datetime:
    return booking.created_at + lifetime()


def link_expired(booking: Booking, now: datetime) -> bool:
    return now >= link_expires_at(booking)
