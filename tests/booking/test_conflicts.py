"""Scheduling conflicts: overlapping bookings are refused (409 schedule_conflict) unless allowed;
times compare as instants, whatever the offset they were written with and across clock changes."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.errors import ScheduleConflict
from booking.models import Booking
from booking.queries import conflicting_booking
from tests import factories

LONDON = factories.local(2021, 1, 1).tzinfo
BOOKED_ON = datetime(2021, 3, 1, 9, tzinfo=UTC)


def session_at(starts_at, ends_at, **kwargs):
    return factories.SessionFactory(starts_at=starts_at, ends_at=ends_at, capacity=5, **kwargs)


def book(session, person, **kwargs):
    return services.book_session(session, person=person, now=BOOKED_ON, **kwargs)


@pytest.mark.django_db
def test_an_overlapping_booking_is_refused_then_allowed(person):
    first = session_at(factories.local(2021, 7, 12, 10), factories.local(2021, 7, 12, 12))
    second = session_at(factories.local(2021, 7, 12, 11), factories.local(2021, 7, 12, 13))
    mine = book(first, person)
    with pytest.raises(ScheduleConflict) as clash:
        book(second, person)
    assert clash.value.code == "schedule_conflict"
    assert clash.value.status == 409
    assert clash.value.conflicting.pk == mine.pk
    assert first.event.title in clash.value.detail
    assert not Booking.objects.filter(session=second).exists()
    assert book(second, person, allow_conflict=True).status == Booking.Status.CONFIRMED


@pytest.mark.django_db
def test_touching_sessions_other_people_and_cancelled_bookings_do_not_clash(person):
    first = session_at(factories.local(2021, 7, 12, 10), factories.local(2021, 7, 12, 12))
    touching = session_at(factories.local(2021, 7, 12, 12), factories.local(2021, 7, 12, 14))
    overlapping = session_at(factories.local(2021, 7, 12, 11), factories.local(2021, 7, 12, 13))
    booking = book(first, person)
    book(touching, person)  # ends as the next starts: no clash
    book(overlapping, factories.UserFactory())  # someone else
    services.cancel_booking(booking, by=person, now=BOOKED_ON)
    with pytest.raises(ScheduleConflict):  # the touching one still overlaps 11-13
        book(overlapping, person)
    services.cancel_booking(
        Booking.objects.get(session=touching, person=person), by=person, now=BOOKED_ON
    )
    assert book(overlapping, person).status == Booking.Status.CONFIRMED


@pytest.mark.django_db
def test_a_waitlist_place_clashes_but_a_cancelled_session_does_not(person):
    full = session_at(factories.local(2021, 7, 12, 10), factories.local(2021, 7, 12, 12))
    full.capacity = 1
    full.save()
    book(full, factories.UserFactory())
    assert book(full, person).status == Booking.Status.WAITLISTED
    other = session_at(factories.local(2021, 7, 12, 11), factories.local(2021, 7, 12, 12))
    with pytest.raises(ScheduleConflict):
        book(other, person)
    services.cancel_session(full, by=factories.CoordinatorFactory())
    assert book(other, person).status == Booking.Status.CONFIRMED


@pytest.mark.django_db
def test_offsets_are_instants_not_wall_clocks(person):
    """10:00-11:00 in London (BST, 09:00Z) against 11:30-12:30 written as +02:00 (09:30Z): they
    overlap though the wall clocks do not; 10:00-11:00 written as -04:00 (14:00Z) does not."""
    london = session_at(factories.local(2021, 7, 12, 10), factories.local(2021, 7, 12, 11))
    plus_two = timezone(timedelta(hours=2))
    paris = session_at(
        datetime(2021, 7, 12, 11, 30, tzinfo=plus_two),
        datetime(2021, 7, 12, 12, 30, tzinfo=plus_two),
    )
    minus_four = timezone(timedelta(hours=-4))
    new_york = session_at(
        datetime(2021, 7, 12, 10, tzinfo=minus_four), datetime(2021, 7, 12, 11, tzinfo=minus_four)
    )
    book(london, person)
    assert conflicting_booking(person.pk, paris.pk) is not None
    assert conflicting_booking(person.pk, new_york.pk) is None


@pytest.mark.django_db
def test_the_autumn_clock_change(person):
    """On 31 October 2021 London's 01:00-02:00 happens twice: 01:15-01:45 BST (00:15Z) and
    01:15-01:45 GMT (01:15Z) are an hour apart and do not clash; 00:30 BST to 01:30 GMT (23:30Z
    to 01:30Z, two hours) clashes with both."""
    bst = datetime(2021, 10, 31, 1, 15, tzinfo=LONDON, fold=0)
    gmt = datetime(2021, 10, 31, 1, 15, tzinfo=LONDON, fold=1)
    assert (gmt - bst) == timedelta(0)  # same wall clock: Python compares them as equal...
    assert gmt.astimezone(UTC) - bst.astimezone(UTC) == timedelta(hours=1)  # ...an hour apart
    first = session_at(bst.astimezone(UTC), (bst + timedelta(minutes=30)).astimezone(UTC))
    second = session_at(gmt.astimezone(UTC), (gmt.astimezone(UTC) + timedelta(minutes=30)))
    long = session_at(
        datetime(2021, 10, 30, 23, 30, tzinfo=UTC), datetime(2021, 10, 31, 1, 30, tzinfo=UTC)
    )
    book(first, person)
    assert book(second, person).status == Booking.Status.CONFIRMED
    with pytest.raises(ScheduleConflict):
        book(long, person)


@pytest.mark.django_db
def test_the_spring_clock_change(person):
    """On 28 March 2021 01:00 GMT jumps to 02:00 BST: 00:30-01:30 GMT ends (01:30Z) exactly as
    02:30 BST (01:30Z) starts; they touch but do not overlap, though 02:30 - 01:30 reads as one
    hour on the wall clock and 00:30-03:00 local is only 90 minutes long."""
    night = session_at(
        datetime(2021, 3, 28, 0, 30, tzinfo=UTC), datetime(2021, 3, 28, 1, 30, tzinfo=UTC)
    )
    morning = session_at(
        datetime(2021, 3, 28, 2, 30, tzinfo=LONDON), datetime(2021, 3, 28, 3, 30, tzinfo=LONDON)
    )
    assert morning.starts_at.astimezone(UTC) == night.ends_at
    earlier = datetime(2021, 3, 20, 9, tzinfo=UTC)
    services.book_session(night, person=person, now=earlier)
    assert services.book_session(morning, person=person, now=earlier).status == "confirmed"


@pytest.mark.django_db
def test_the_check_is_one_query(person):
    session = session_at(factories.local(2021, 7, 12, 10), factories.local(2021, 7, 12, 12))
    with CaptureQueriesContext(connection) as queries:
        conflicting_booking(person.pk, session.pk)
    assert len(queries) == 1
