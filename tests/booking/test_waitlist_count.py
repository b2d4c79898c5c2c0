"""The waitlist count the database keeps per session (booking.SessionWaitlist, migration 0003).

``book_session`` reads it under the session lock instead of counting the queue, so it must
equal a real count after every kind of write, whoever makes it: the booking rules, a bulk
update or delete, the admin saving one row. Runs on SQLite and (CI) PostgreSQL, whose triggers
are written separately.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from booking import services
from booking.apps import restore_sqlite_waitlist_triggers
from booking.models import Booking, SessionWaitlist
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def kept(session) -> int:
    row = SessionWaitlist.objects.filter(session=session).first()
    return row.waitlisted if row else 0


def counted(session) -> int:
    return Booking.objects.waitlisted().filter(session=session).count()


def book(session, n):
    return [services.book_session(session, person=UserFactory()) for _ in range(n)]


def test_the_count_follows_the_booking_rules(session):
    coordinator = UserFactory(is_superuser=True)
    confirmed = book(session, session.capacity)
    waiting = book(session, 4)
    assert kept(session) == counted(session) == 4
    assert [b.waitlist_position for b in waiting] == [1, 2, 3, 4]

    services.cancel_booking(confirmed[0], by=coordinator)  # promotes the head of the queue
    assert kept(session) == counted(session) == 3
    services.cancel_booking(waiting[2], by=coordinator)  # leaves the queue
    assert kept(session) == counted(session) == 2
    services.update_session(session, by=coordinator, capacity=session.capacity + 1)
    assert kept(session) == counted(session) == 1
    later = book(session, 1)[0]
    assert later.waitlist_position == 2
    services.cancel_session(session, by=coordinator)
    assert kept(session) == counted(session) == 0


def test_the_count_follows_bulk_writes_and_single_saves(session):
    other = SessionFactory(capacity=1)
    book(session, session.capacity)
    waiting = book(session, 3)

    Booking.objects.filter(pk=waiting[0].pk).update(status=Booking.Status.CONFIRMED)
    assert (kept(session), counted(session)) == (2, 2)
    row = Booking.objects.get(pk=waiting[1].pk)
    row.access_needs = "Step-free access"
    row.save()  # an UPDATE of every column that changes neither status nor session
    assert (kept(session), counted(session)) == (2, 2)
    Booking.objects.filter(pk=waiting[1].pk).update(session=other)  # moved to another session
    assert (kept(session), kept(other)) == (counted(session), counted(other)) == (1, 1)
    Booking.objects.filter(pk=waiting[2].pk).delete()
    assert (kept(session), counted(session)) == (0, 0)
    Booking.objects.create(
        session=session,
        person=UserFactory(),
        status=Booking.Status.WAITLISTED,
        created_at=timezone.now(),
        waitlisted_at=timezone.now(),
    )
    assert (kept(session), counted(session)) == (1, 1)


def test_a_failed_booking_leaves_the_count_alone(session):
    book(session, session.capacity + 1)
    person = Booking.objects.waitlisted().get(session=session).person

    with pytest.raises(services.errors.AlreadyBooked):
        services.book_session(session, person=person)

    assert kept(session) == counted(session) == 1


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite rebuilds tables; PostgreSQL alters"
)
def test_sqlite_triggers_come_back_after_a_table_rebuild(session):
    """A later migration that makes SQLite rebuild booking_booking drops its triggers; the
    post-migrate hook puts them back and recounts."""
    book(session, session.capacity + 2)
    with connection.cursor() as cursor:
        for name in ("insert", "delete", "update"):
            cursor.execute(f"DROP TRIGGER booking_waitlist_{name}")
    Booking.objects.filter(session=session, status="waitlisted").update(status="cancelled")
    assert kept(session) == 2  # stale without its triggers

    restore_sqlite_waitlist_triggers(using="default")

    assert kept(session) == counted(session) == 0
    book(session, 1)
    assert kept(session) == counted(session) == 1


def test_migrate_keeps_the_triggers():
    call_command("migrate", verbosity=0)
    session = SessionFactory(capacity=1)

    book(session, 3)

    assert kept(session) == counted(session) == 2
