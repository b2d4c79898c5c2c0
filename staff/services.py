"""Coordinators' session tools that are not booking rules: duplicating and messaging."""

from datetime import datetime
from functools import partial

from django.db import transaction

from audit.services import record
from booking.models import Booking
from events.models import Session
from events.services import create_session
from notifications import services as notify

# Copied to a duplicate; everything else (status, calendar identity, bookings) starts afresh.
COPIED_FIELDS = (
    "delivery",
    "venue",
    "join_url",
    "capacity",
    "waitlist_enabled",
    "waitlist_limit",
    "notes",
)


def duplicate_session(session: Session, *, starts_at: datetime, ends_at: datetime, by) -> Session:
    """Schedule a copy of the session at a new time, with the same trainers and settings.

    A booking window moves with the session, so it opens and closes as long before the new
    start as it did before the old one.
    """
    shift = starts_at - session.starts_at
    window = {
        name: getattr(session, name) + shift
        for name in ("booking_opens_at", "booking_closes_at")
        if getattr(session, name) is not None
    }
    return create_session(
        event=session.event,
        by=by,
        trainers=list(session.trainers.all()),
        starts_at=starts_at,
        ends_at=ends_at,
        **{name: getattr(session, name) for name in COPIED_FIELDS},
        **window,
    )


def message_attendees(session: Session, *, subject: str, body: str, by) -> int:
    """Send a message to everyone with a confirmed place; return how many people that is."""
    recipients = Booking.objects.confirmed().filter(session=session).count()
    with transaction.atomic():
        record("session.messaged", actor=by, target=session, recipients=recipients)
        transaction.on_commit(
            partial(
                notify.message_attendees,
                session_id=session.pk,
                subject=subject.strip(),
                body=body.strip(),
            )
        )
    return recipients
