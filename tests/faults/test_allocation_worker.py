"""The worker runs allocate_places by itself: an offer past its time is passed on without cron.

A real `manage.py worker` process against the test database (PostgreSQL) and a loopback SMTP
server; the offer was made here, through the booking rules, with a deadline already past.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking import services
from booking.models import Booking
from events.models import Session
from tests.factories import SessionFactory, UserFactory
from tests.faults.conftest import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_the_worker_expires_an_overdue_offer_and_offers_the_place_on(smtp_server, workers):
    session = SessionFactory(capacity=1, promotion=Session.Promotion.OFFER, offer_hours=1)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    holder = services.book_session(session, person=UserFactory(), now=two_hours_ago)
    first = services.book_session(session, person=UserFactory(), now=two_hours_ago)
    second = services.book_session(session, person=UserFactory(), now=two_hours_ago)
    services.cancel_booking(holder, by=holder.person, now=two_hours_ago)
    first.refresh_from_db()
    assert first.status == Booking.Status.OFFERED  # until an hour ago

    smtp_server.start()
    workers.start("allocator", command="worker")

    def passed_on() -> bool:
        return Booking.objects.get(pk=second.pk).status == Booking.Status.OFFERED

    wait_for(passed_on, timeout=60, what="the worker to pass the expired offer on")
    first.refresh_from_db()
    assert (first.status, first.offer_expired) == (Booking.Status.CANCELLED, True)
    subjects = {
        first.person.email: "Your offer of a place has expired",
        second.person.email: "A place is offered to you",
    }

    def told() -> bool:
        received = {
            (m["To"].addresses[0].addr_spec, m["Subject"]) for m in smtp_server.inbox.received
        }
        return all(
            any(to == address and subject.startswith(start) for address, subject in received)
            for to, start in subjects.items()
        )

    wait_for(told, timeout=60, what="the expiry and offer emails")
