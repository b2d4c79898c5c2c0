from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks.exceptions import InvalidTaskError
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from booking import services
from booking.errors import (
    AlreadyBooked,
    AlreadyCancelled,
    AttendanceTooEarly,
    BookingClosed,
    CapacityBelowConfirmed,
    NotConfirmed,
    SessionCancelled,
    SessionFull,
    SessionNotFound,
    SessionStarted,
)
from booking.models import Booking
from booking.queries import waitlist_position, with_waitlist_position
from common.errors import DomainError, NotAllowed
from events.models import Session
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def book_people(session, n=1):
    return [services.book_session(session, person=UserFactory()) for _ in range(n)]


def test_book_session_confirms_while_places_are_free(session, person):
    booking = services.book_session(session, person=person)

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.confirmed_at is not None
    assert booking.waitlist_position is None


def test_book_session_waitlists_when_full(session):
    book_people(session, 2)

    booking = services.book_session(session, person=UserFactory())

    assert booking.status == Booking.Status.WAITLISTED
    assert booking.waitlist_position == 1
    assert waitlist_position(booking) == 1


def test_book_session_refuses_when_full_without_waitlist(session):
    session.waitlist_enabled = False
    session.save()
    book_people(session, 2)

    with pytest.raises(SessionFull):
        services.book_session(session, person=UserFactory())
    assert Booking.objects.count() == 2


def test_book_session_refuses_when_waitlist_limit_reached(session):
    session.waitlist_limit = 1
    session.save()
    book_people(session, 3)

    with pytest.raises(SessionFull):
        services.book_session(session, person=UserFactory())


def test_book_session_refuses_a_second_booking(session, person):
    services.book_session(session, person=person)

    with pytest.raises(AlreadyBooked) as error:
        services.book_session(session, person=person)
    assert error.value.code == "already_booked"


def test_book_session_allows_rebooking_after_cancelling(session, person):
    first = services.book_session(session, person=person)
    services.cancel_booking(first, by=person)

    second = services.book_session(session, person=person)

    assert second.status == Booking.Status.CONFIRMED
    assert second.ical_uid != first.ical_uid


def test_book_session_refuses_cancelled_session(session, person, coordinator):
    services.cancel_session(session, by=coordinator, reason="Trainer unwell")

    with pytest.raises(SessionCancelled):
        services.book_session(session, person=person)


def test_book_session_of_an_unpublished_programme_only_for_coordinators(person, coordinator):
    draft = SessionFactory(event__programme__published=False)

    with pytest.raises(SessionNotFound):
        services.book_session(draft, person=person)
    # A coordinator may book themself, or someone else, before the programme is published.
    assert services.book_session(draft, person=coordinator).status == Booking.Status.CONFIRMED
    assert services.book_session(draft, person=person, by=coordinator).person == person


def test_book_session_by_reference_reads_the_session_under_the_lock(session, person):
    booking = services.book_session(Session(pk=session.pk), person=person)

    assert booking.session.capacity == session.capacity
    assert booking.status == Booking.Status.CONFIRMED


def test_book_session_of_a_session_that_does_not_exist(person):
    with pytest.raises(SessionNotFound):
        services.book_session(Session(pk=987654), person=person)
    assert not Booking.objects.exists()


def test_book_session_refuses_started_session(session, person):
    with pytest.raises(SessionStarted):
        services.book_session(session, person=person, now=session.starts_at)


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(timedelta(days=1), None), (None, timedelta(days=-1))],
    ids=["not yet open", "closed"],
)
def test_book_session_refuses_outside_booking_window(session, person, opens, closes):
    now = session.starts_at - timedelta(days=3)
    session.booking_opens_at = now + opens if opens else None
    session.booking_closes_at = now + closes if closes else None
    session.save()

    with pytest.raises(BookingClosed) as error:
        services.book_session(session, person=person, now=now)
    assert error.value.code == "booking_closed"


def test_cancel_booking_promotes_head_of_waitlist_fifo(session):
    confirmed, _ = book_people(session, 2)
    first, second = book_people(session, 2)

    services.cancel_booking(confirmed, by=confirmed.person)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Booking.Status.CONFIRMED
    assert second.status == Booking.Status.WAITLISTED
    assert waitlist_position(second) == 1


def test_cancel_waitlisted_booking_promotes_nobody(session):
    book_people(session, 2)
    waiting, behind = book_people(session, 2)

    services.cancel_booking(waiting, by=waiting.person)

    behind.refresh_from_db()
    assert behind.status == Booking.Status.WAITLISTED
    assert waitlist_position(behind) == 1


@pytest.mark.parametrize(
    ("before_start", "late"),
    [(timedelta(hours=48), False), (timedelta(hours=48) - timedelta(seconds=1), True)],
    ids=["at 48 hours", "just inside 48 hours"],
)
def test_cancel_booking_marks_late_cancellation_inside_period(session, person, before_start, late):
    booking = services.book_session(
        session, person=person, now=session.starts_at - timedelta(days=5)
    )

    services.cancel_booking(booking, by=person, now=session.starts_at - before_start)

    booking.refresh_from_db()
    assert booking.late_cancellation is late


def test_cancel_booking_refused_once_started(session, person):
    booking = services.book_session(session, person=person)

    with pytest.raises(SessionStarted):
        services.cancel_booking(booking, by=person, now=session.starts_at)


def test_cancel_booking_refused_twice(session, person):
    booking = services.book_session(session, person=person)
    services.cancel_booking(booking, by=person)

    with pytest.raises(AlreadyCancelled):
        services.cancel_booking(booking, by=person)


def test_cancel_booking_refused_for_someone_else(session, person):
    booking = services.book_session(session, person=person)

    with pytest.raises(NotAllowed):
        services.cancel_booking(booking, by=UserFactory())


def test_cancel_confirmed_booking_raises_calendar_sequence(session, person):
    booking = services.book_session(session, person=person)

    services.cancel_booking(booking, by=person)

    booking.refresh_from_db()
    assert booking.ical_sequence == 1


def test_raising_capacity_promotes_as_many_as_fit(session, coordinator):
    book_people(session, 2)
    waiting = book_people(session, 3)

    services.update_session(session, capacity=4, by=coordinator)

    statuses = [Booking.objects.get(pk=b.pk).status for b in waiting]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]


def test_raising_capacity_after_the_start_promotes_nobody(session, coordinator):
    book_people(session, 2)
    (waiting,) = book_people(session, 1)

    with time_machine.travel(session.starts_at + timedelta(minutes=5)):
        services.update_session(session, capacity=3, by=coordinator)

    session.refresh_from_db()
    waiting.refresh_from_db()
    assert (session.capacity, waiting.status) == (3, "waitlisted")


def test_capacity_below_confirmed_is_refused(session, coordinator):
    book_people(session, 2)

    with pytest.raises(CapacityBelowConfirmed):
        services.update_session(session, capacity=1, by=coordinator)
    session.refresh_from_db()
    assert session.capacity == 2


def test_mark_attendance_records_who_and_when(session, person, trainer):
    booking = services.book_session(session, person=person)

    services.mark_attendance(booking, attendance="attended", by=trainer, now=session.starts_at)

    booking.refresh_from_db()
    assert booking.attendance == "attended"
    assert booking.attendance_marked_by == trainer
    assert booking.attendance_marked_at == session.starts_at


def test_mark_attendance_refused_before_the_day(session, person, trainer):
    booking = services.book_session(session, person=person)

    with pytest.raises(AttendanceTooEarly):
        services.mark_attendance(
            booking, attendance="attended", by=trainer, now=session.starts_at - timedelta(days=1)
        )


def test_mark_attendance_refused_for_waitlisted(session, trainer):
    book_people(session, 2)
    (waiting,) = book_people(session, 1)

    with pytest.raises(NotConfirmed):
        services.mark_attendance(waiting, attendance="attended", by=trainer, now=session.starts_at)


def test_mark_attendance_refused_for_another_sessions_trainer(session, person):
    booking = services.book_session(session, person=person)
    other_trainer = UserFactory()
    SessionFactory().trainers.add(other_trainer)

    with pytest.raises(NotAllowed):
        services.mark_attendance(
            booking, attendance="attended", by=other_trainer, now=session.starts_at
        )


def test_update_session_move_bumps_sequences(session, person, coordinator):
    booking = services.book_session(session, person=person)

    services.update_session(
        session,
        by=coordinator,
        starts_at=session.starts_at + timedelta(hours=1),
        ends_at=session.ends_at + timedelta(hours=1),
    )

    session.refresh_from_db()
    booking.refresh_from_db()
    assert (session.sequence, booking.ical_sequence) == (1, 1)


def test_update_session_capacity_only_keeps_sequence(session, coordinator):
    services.update_session(session, by=coordinator, capacity=5)

    session.refresh_from_db()
    assert (session.capacity, session.sequence) == (5, 0)


def test_cancel_session_cancels_every_booking(session, coordinator):
    book_people(session, 3)

    services.cancel_session(session, by=coordinator, reason="Venue closed")

    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    session.refresh_from_db()
    assert (session.status, session.sequence) == ("cancelled", 1)


def test_waitlist_positions_are_derived_in_fifo_order(session):
    book_people(session, 2)
    waiting = book_people(session, 3)

    annotated = with_waitlist_position(Booking.objects.filter(pk__in=[b.pk for b in waiting]))

    assert [b.waitlist_position for b in annotated] == [1, 2, 3]


def queries_run(action) -> int:
    """Count the statements an action sends, leaving out savepoints (an outer atomic adds them)."""
    with CaptureQueriesContext(connection) as queries:
        action()
    return len([q for q in queries if "SAVEPOINT" not in q["sql"]])


@pytest.mark.parametrize("already_booked", [1, 3])
def test_book_session_runs_three_queries(session, person, already_booked):
    session.capacity = 10
    session.save()
    book_people(session, already_booked)

    # PostgreSQL: lock the session row; read the session with its counts and the person's
    # booking; insert the booking with its message task in one statement. SQLite: its
    # transactions begin IMMEDIATE, so no lock statement, and the two INSERTs go one by one.
    assert queries_run(lambda: services.book_session(session, person=person)) == 3


@pytest.mark.parametrize("waiting", [1, 3])
def test_cancel_booking_with_promotion_runs_eight_queries(session, waiting):
    confirmed, _ = book_people(session, 2)
    book_people(session, waiting)

    # lock, reload booking, update it, its message task, count confirmed, pick the waitlist
    # head, promote, the promoted person's message task
    assert queries_run(lambda: services.cancel_booking(confirmed, by=confirmed.person)) == 8


def test_cancel_waitlisted_booking_runs_four_queries(session):
    book_people(session, 2)
    (waiting,) = book_people(session, 1)

    # lock, reload booking, update it, its message task: nothing to promote
    assert queries_run(lambda: services.cancel_booking(waiting, by=waiting.person)) == 4


@pytest.mark.parametrize("promoted", [1, 3])
def test_raising_capacity_runs_nine_queries_with_one_message_task_for_everyone_promoted(
    session, coordinator, promoted
):
    book_people(session, 2 + promoted)
    assert coordinator.is_coordinator  # the role lookup is cached, as in a request

    # lock, count confirmed, pick the waitlist heads, promote, one message task for everyone
    # promoted, the event and venue still exist, save the session, audit
    assert (
        queries_run(lambda: services.update_session(session, capacity=2 + promoted, by=coordinator))
        == 9
    )


def message_tasks() -> list[dict]:
    return [
        task.args_kwargs["kwargs"]
        for task in DBTaskResult.objects.filter(task_path__startswith="booking.tasks.")
    ]


def test_book_session_queues_its_message_in_the_booking_transaction(
    session, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        booking = services.book_session(session, person=person)

    # The task row is written before the commit, not by an on-commit hook.
    assert callbacks == []
    assert message_tasks() == [{"ical_uid": str(booking.ical_uid)}]


def book_then_fail(session, person):
    with transaction.atomic():
        services.book_session(session, person=person)
        raise RuntimeError("the surrounding change fails")


def test_book_session_sends_nothing_when_rolled_back(session, person):
    with pytest.raises(RuntimeError):
        book_then_fail(session, person)

    assert Booking.objects.count() == 0
    assert message_tasks() == []

    services.book_session(session, person=person)
    with pytest.raises(AlreadyBooked):
        services.book_session(session, person=person)
    assert len(message_tasks()) == 1


def test_book_session_fails_and_writes_nothing_when_its_message_cannot_be_queued(
    session, person, settings
):
    # The backend refuses the task's queue, so enqueueing raises.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["x"]}}

    with pytest.raises(InvalidTaskError):
        services.book_session(session, person=person)

    assert Booking.objects.count() == 0
    assert message_tasks() == []


def test_book_session_queues_on_commit_with_an_immediate_backend(
    session, person, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    with django_capture_on_commit_callbacks() as callbacks:
        services.book_session(session, person=person)

    assert len(callbacks) == 1
    assert message_tasks() == []


# Every refusal, with the code and HTTP status the API and the web UI show.


def refuse_full_without_waitlist(session, person, coordinator):
    services.update_session(session, by=coordinator, waitlist_enabled=False)
    book_people(session, 2)
    services.book_session(session, person=person)


def refuse_second_booking(session, person, coordinator):
    services.book_session(session, person=person)
    services.book_session(session, person=person)


def refuse_closed_window(session, person, coordinator):
    session.booking_closes_at = session.starts_at - timedelta(days=1)
    session.save()
    services.book_session(session, person=person, now=session.starts_at - timedelta(hours=12))


def refuse_cancelled_session(session, person, coordinator):
    services.cancel_session(session, by=coordinator)
    services.book_session(session, person=person)


def refuse_started_session(session, person, coordinator):
    services.book_session(session, person=person, now=session.starts_at + timedelta(minutes=1))


def refuse_capacity_below_confirmed(session, person, coordinator):
    book_people(session, 2)
    services.update_session(session, capacity=1, by=coordinator)


def refuse_cancelling_twice(session, person, coordinator):
    booking = services.book_session(session, person=person)
    services.cancel_booking(booking, by=person)
    services.cancel_booking(booking, by=person)


def refuse_cancelling_after_start(session, person, coordinator):
    booking = services.book_session(session, person=person)
    services.cancel_booking(booking, by=person, now=session.starts_at)


def refuse_attendance_for_waitlisted(session, person, coordinator):
    book_people(session, 2)
    waiting = services.book_session(session, person=person)
    services.mark_attendance(waiting, attendance="attended", by=coordinator, now=session.starts_at)


def refuse_attendance_before_the_day(session, person, coordinator):
    booking = services.book_session(session, person=person)
    services.mark_attendance(
        booking, attendance="attended", by=coordinator, now=session.starts_at - timedelta(days=1)
    )


def refuse_cancelling_someone_elses_booking(session, person, coordinator):
    booking = services.book_session(session, person=person)
    services.cancel_booking(booking, by=UserFactory())


def refuse_unknown_attendance(session, person, coordinator):
    booking = services.book_session(session, person=person)
    services.mark_attendance(booking, attendance="late", by=coordinator, now=session.starts_at)


def refuse_zero_capacity(session, person, coordinator):
    services.update_session(session, capacity=0, by=coordinator)


@pytest.mark.parametrize(
    ("scenario", "code", "status"),
    [
        (refuse_full_without_waitlist, "session_full", 409),
        (refuse_second_booking, "already_booked", 409),
        (refuse_closed_window, "booking_closed", 409),
        (refuse_cancelled_session, "session_cancelled", 409),
        (refuse_started_session, "session_started", 409),
        (refuse_capacity_below_confirmed, "capacity_below_confirmed", 409),
        (refuse_cancelling_twice, "already_cancelled", 409),
        (refuse_cancelling_after_start, "session_started", 409),
        (refuse_attendance_for_waitlisted, "not_confirmed", 409),
        (refuse_attendance_before_the_day, "attendance_too_early", 409),
        (refuse_cancelling_someone_elses_booking, "permission_denied", 403),
        (refuse_unknown_attendance, "validation_error", 400),
        (refuse_zero_capacity, "validation_error", 400),
    ],
    ids=lambda value: value.__name__.removeprefix("refuse_") if callable(value) else None,
)
def test_refusals_carry_a_stable_code(session, person, coordinator, scenario, code, status):
    with pytest.raises(DomainError) as error:
        scenario(session, person, coordinator)

    assert (error.value.code, error.value.status) == (code, status)


def test_refused_booking_writes_nothing(session, person, coordinator):
    services.update_session(session, by=coordinator, waitlist_enabled=False)
    book_people(session, 2)
    before = list(Booking.objects.values_list("pk", "status"))

    with pytest.raises(SessionFull):
        services.book_session(session, person=person)

    assert list(Booking.objects.values_list("pk", "status")) == before


def test_book_session_refuses_at_booking_close_and_before_opening(session, person):
    opens = session.starts_at - timedelta(days=10)
    closes = session.starts_at - timedelta(days=1)
    session.booking_opens_at, session.booking_closes_at = opens, closes
    session.save()

    for now in (opens - timedelta(seconds=1), closes):
        with pytest.raises(BookingClosed):
            services.book_session(session, person=person, now=now)
    booking = services.book_session(session, person=person, now=opens)
    assert booking.status == Booking.Status.CONFIRMED


def test_cancel_booking_allowed_until_the_start(session, person):
    booking = services.book_session(session, person=person)

    services.cancel_booking(booking, by=person, now=session.starts_at - timedelta(seconds=1))

    booking.refresh_from_db()
    assert (booking.status, booking.late_cancellation) == ("cancelled", True)


def test_leaving_the_waitlist_late_is_not_a_late_cancellation(session):
    book_people(session, 2)
    (waiting,) = book_people(session, 1)

    services.cancel_booking(waiting, by=waiting.person, now=session.starts_at - timedelta(hours=1))

    waiting.refresh_from_db()
    assert (waiting.status, waiting.late_cancellation) == ("cancelled", False)


def test_cancel_booking_by_a_coordinator_is_audited(session, person, coordinator):
    booking = services.book_session(session, person=person)

    services.cancel_booking(booking, by=coordinator)

    booking.refresh_from_db()
    assert booking.cancelled_by == coordinator
    assert list(AuditEvent.objects.values_list("action", "target_id")) == [
        ("booking.cancelled", str(booking.pk))
    ]


def test_promotion_breaks_a_tie_in_waitlisted_time_by_id(session):
    same_time = session.starts_at - timedelta(days=3)
    confirmed = [
        services.book_session(session, person=UserFactory(), now=same_time) for _ in range(2)
    ]
    waiting = [
        services.book_session(session, person=UserFactory(), now=same_time) for _ in range(3)
    ]

    services.cancel_booking(confirmed[0], by=confirmed[0].person, now=same_time)
    services.cancel_booking(confirmed[1], by=confirmed[1].person, now=same_time)

    statuses = [Booking.objects.get(pk=b.pk).status for b in waiting]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]


def test_promotion_follows_waitlisted_time_not_id(session):
    start = session.starts_at - timedelta(days=3)
    confirmed, _ = [services.book_session(session, person=UserFactory(), now=start) for _ in "ab"]
    later = services.book_session(session, person=UserFactory(), now=start + timedelta(hours=1))
    earlier = services.book_session(session, person=UserFactory(), now=start)

    services.cancel_booking(confirmed, by=confirmed.person, now=start + timedelta(hours=2))

    later.refresh_from_db()
    earlier.refresh_from_db()
    assert (earlier.status, later.status) == ("confirmed", "waitlisted")


@pytest.mark.postgres
def test_lock_session_locks_only_the_session_row(session, person):
    with CaptureQueriesContext(connection) as queries:
        services.book_session(session, person=person)

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert locks[0].endswith('FOR UPDATE OF "events_session"')
