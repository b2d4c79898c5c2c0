"""The booking rules: the only code that creates or changes bookings.

Every use case here owns its transaction and locks the session row once, as its first
statement, then recounts inside the lock. Confirmed places are never a stored counter: they are
counted under the lock, so they cannot drift. On PostgreSQL the lock is ``SELECT ... FOR UPDATE``;
on SQLite the database runs transactions as ``BEGIN IMMEDIATE`` (see settings), which takes the
single write lock at the start and serialises the same way.

People are told about changes by background tasks (``booking.tasks``) enqueued in the change's
own transaction, so a rolled-back change never sends mail and a committed one never loses its
message. Who may do what, and whether a session takes bookings, is asked of ``booking.rules``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.rules import is_coordinator
from audit.services import record
from booking import allocation, approval, errors, rules
from booking.messages import session_change_messages
from booking.models import Booking, Evaluation, EvaluationAnswer, SessionWaitlist
from booking.payloads import booking_event, booking_event_by_id, session_event
from booking.queries import clash_with, count_of, load_conflict
from booking.tasks import (
    later,
    later_rows,
    write_attendee_message,
    write_booking_messages,
    write_new_booking_message,
    write_session_messages,
)
from common.errors import InvalidValue, NotAllowed
from common.sql import PreparedQuery, insert_together
from common.tasks import enqueued
from events.models import QUOTA_RELEASE_LEAD, Session
from events.queries import evaluation_questions
from events.services import validate_session
from notifications.kinds import Kind
from notifications.services import Message, suppressed
from webhooks import services as webhooks
from webhooks.models import EventType

# Changes that move or re-route an event in people's calendars.
SIGNIFICANT_FIELDS = ("starts_at", "ends_at", "venue", "delivery", "join_url")
EDITABLE_FIELDS = (
    *SIGNIFICANT_FIELDS,
    "event",
    "capacity",
    "waitlist_enabled",
    "waitlist_limit",
    "booking_opens_at",
    "booking_closes_at",
    "notes",
    "promotion",
    "offer_hours",
    "sector_quotas",
    "quota_release_at",
)
# Changes after which the waitlist may be owed places.
ALLOCATION_FIELDS = ("capacity", "sector_quotas", "quota_release_at")


def lock_session(session_id: int) -> Session:
    """Lock and return the session row; must run inside ``transaction.atomic()``.

    Only the session row is locked (``of=("self",)``): the joined event and programme rows stay
    free, so bookings for two sessions of one course, or an edit of the course, never wait on
    each other. The session carries ``programme_published``; its event is not loaded. The
    statement is built once (``PreparedQuery``): every other booking for the session waits
    while it is built and run.
    """
    session = _LOCK_SESSION.first(session_id)
    if session is None:
        raise Session.DoesNotExist
    return session


_LOCK_SESSION = PreparedQuery(
    lambda: (
        Session.objects.select_for_update(of=("self",))
        .annotate(
            programme_published=F("event__programme__published"),
            requires_approval=F("event__requires_approval"),
        )
        .filter(pk=0)
    )
)


def book_session(
    session: Session | int,
    *,
    person,
    source: str = Booking.Source.WEB,
    access_needs: str = "",
    allow_conflict: bool = False,
    manager_email: str = "",
    now=None,
    by=None,
) -> Booking:
    """Give the person a confirmed place, or a waitlist place when the session is full.

    ``session`` may be the session's primary key: the session is read again under its lock.
    ``by`` is who makes the booking (the person, unless given): only coordinators can book a
    session whose programme is not published; for anyone else it raises ``SessionNotFound``, as
    for a session that does not exist. The returned booking carries
    ``waitlist_position`` (1-based, or None when confirmed). Raises a ``BookingError``
    (session_cancelled, session_started, booking_closed, already_booked, schedule_conflict,
    session_full) and then writes nothing. ``schedule_conflict``: the person already holds a
    place or waitlist place at an overlapping session, unless ``allow_conflict``.

    A course that ``requires_approval`` (when people book themselves): the booking needs
    ``manager_email`` (else ``validation_error``) and is ``pending_approval``, holding no place,
    until the manager decides (``decide_approval``); its message task asks the manager.

    Every other booking for the session waits while this one holds the lock, so the lock is
    held for three statements (docs/performance.md): the read of everything the decision needs
    (``booking_state``), one INSERT of the booking with its message task, and the COMMIT.
    """
    manager_email = _valid_manager_email(manager_email, person)
    session_id = session if isinstance(session, int) else session.pk
    # Asked before the lock: with a shared cache (Redis) it is a round trip, which every other
    # booking for the session would otherwise wait for.
    announce = webhooks.wants(EventType.BOOKING_CREATED)
    booking = Booking(
        session_id=session_id,
        person=person,
        source=source,
        access_needs=access_needs.strip(),
    )
    try:
        with transaction.atomic():
            state = booking_state(session_id, person.pk)
            if state is None or not (state.programme_published or is_coordinator(by or person)):
                raise errors.SessionNotFound()
            # Read the clock only once the lock is held, so the waitlist order (by
            # waitlisted_at) is the order in which places were decided.
            now = now or timezone.now()
            _check_bookable(state, now)
            if state.already_booked:
                raise errors.AlreadyBooked()
            if state.clash is not None and not allow_conflict:
                raise _conflict(state.clash)
            has_place, waitlisted = _place_for(state, person, now)
            booking.session = state
            booking.created_at = now
            if state.requires_approval and (by is None or by.pk == person.pk):
                if not manager_email:
                    problem = (
                        "This course needs your line manager's approval: enter their email "
                        "address (manager_email)."
                    )
                    raise InvalidValue(problem, errors={"manager_email": [problem]})
                if not has_place and not rules.waitlist_has_room(state, waitlisted):
                    raise errors.SessionFull()  # nothing a manager could approve
                booking.status = Booking.Status.PENDING_APPROVAL
                booking.manager_email = manager_email
                booking.waitlist_position = None
            elif has_place:
                booking.status = Booking.Status.CONFIRMED
                booking.confirmed_at = now
                booking.waitlist_position = None
            elif rules.waitlist_has_room(state, waitlisted):
                booking.status = Booking.Status.WAITLISTED
                booking.waitlisted_at = now
                booking.waitlist_position = waitlisted + 1
            else:
                raise errors.SessionFull()
            # The message task names the booking by its calendar UID (made in Python), so
            # both rows go to the database in one statement (common.sql.insert_together).
            tasks = later_rows(write_new_booking_message, ical_uid=str(booking.ical_uid))
            insert_together(*tasks, booking)
            if announce and booking.status != Booking.Status.PENDING_APPROVAL:
                booking_event(EventType.BOOKING_CREATED, [booking])
        enqueued(tasks)
    except IntegrityError as error:
        # The session lock makes this unreachable in practice; the unique constraint is the
        # backstop, and a violation of it means the person already holds a booking.
        raise errors.AlreadyBooked() from error
    return booking


def _place_for(state: Session, person, now) -> tuple[bool, int]:
    """Whether the person gets a place now (else the waitlist), and the waitlist's length."""
    taken, waitlisted = state.confirmed_places, state.waitlisted_places
    if rules.allocation_managed(state):
        # Offers or quotas: first pass on places the clock has freed (offers run out, quotas
        # released), then ask the quota rule. Plain sessions skip all of this.
        if allocation.settle(state, now=now):
            settled = _BOOKING_STATE.first(session=state.pk, person=person.pk)
            taken, waitlisted = settled.confirmed_places, settled.waitlisted_places
        return allocation.may_take_place(state, person=person, now=now, taken=taken), waitlisted
    return taken < state.capacity, waitlisted


def _valid_manager_email(manager_email: str, person) -> str:
    manager_email = (manager_email or "").strip()
    if not manager_email:
        return ""
    try:
        validate_email(manager_email)
    except ValidationError:
        problem = "Enter your line manager's email address, like name@example.org."
        raise InvalidValue(problem, errors={"manager_email": [problem]}) from None
    if manager_email.lower() == person.email.lower():
        problem = "Enter your line manager's email address, not your own."
        raise InvalidValue(problem, errors={"manager_email": [problem]})
    return manager_email


def decide_approval(booking: Booking, *, approve: bool, by=None, now=None) -> Booking:
    """The line manager (``by`` None, from their link) or a coordinator on their behalf approves
    or declines a pending booking.

    Approval books through the normal rules under the session lock: a confirmed place, or the
    waitlist when full (``session_full``, ``booking_closed``, ``session_started`` leave the
    request pending). The person is told either way: the usual confirmation or waitlist email,
    or that their manager declined. A decided request is ``approval_decided``; the manager's
    link expires after ``APPROVAL_LINK_DAYS`` (``approval_link_expired``), a coordinator's
    decision does not.
    """
    if by is not None and not rules.may_manage_bookings(by):
        raise NotAllowed()
    with transaction.atomic():
        state = booking_state(booking.session_id, booking.person_id)
        now = now or timezone.now()
        booking = Booking.objects.select_related("person").get(pk=booking.pk)
        if booking.status != Booking.Status.PENDING_APPROVAL:
            raise errors.ApprovalDecided()
        if by is None and approval.link_expired(booking, now):
            raise errors.ApprovalLinkExpired()
        booking.session = state
        booking.approval_decided_at = now
        if not approve:
            booking.status = Booking.Status.CANCELLED
            booking.cancelled_at = now
            booking.cancelled_by = by
            booking.save(
                update_fields=["status", "cancelled_at", "cancelled_by", "approval_decided_at"]
            )
            later(write_booking_messages, booking_ids=[booking.pk], kind=Kind.APPROVAL_DECLINED)
            record("booking.approval_declined", actor=by, target=booking)
            return booking
        _check_bookable(state, now)
        has_place, waitlisted = _place_for(state, booking.person, now)
        if has_place:
            booking.status = Booking.Status.CONFIRMED
            booking.confirmed_at = now
        elif rules.waitlist_has_room(state, waitlisted):
            booking.status = Booking.Status.WAITLISTED
            booking.waitlisted_at = now
        else:
            raise errors.SessionFull()
        booking.save(
            update_fields=["status", "confirmed_at", "waitlisted_at", "approval_decided_at"]
        )
        later(write_new_booking_message, ical_uid=str(booking.ical_uid))
        booking_event(EventType.BOOKING_CREATED, [booking])
        record("booking.approved", actor=by, target=booking, status=booking.status)
    return booking


def booking_state(session_id: int, person_id: int) -> Session | None:
    """Lock the session row and read everything a booking decision needs, or None.

    Must run inside ``transaction.atomic()``. Two statements on PostgreSQL: ``SELECT ... FOR
    UPDATE`` of the session row alone (not its course or programme, so bookings for two
    sessions of one course, or an edit of the course, never wait on each other), then, as a new
    statement that sees every booking committed before the lock was granted, one read of the
    session with ``programme_published``, ``confirmed_places`` (counted: confirmed places and
    live offers, which hold a place too),
    ``waitlisted_places`` (``SessionWaitlist``, kept by the database) and ``already_booked``
    (the person's active booking, by the unique index) and ``clash`` (their booking at an
    overlapping session, ``booking.queries.clash_with``). A check that needs the person's other
    bookings or more counts belongs in that read as one more annotation (``_BOOKING_STATE``),
    not in a statement of its own: every statement here is a round trip that every other
    booking for the session waits for. SQLite needs no lock statement: its transactions begin
    IMMEDIATE (settings), which serialises writers before the read.
    """
    if connection.features.has_select_for_update:
        _LOCK_SESSION_ROW.exists(session_id)
    return _BOOKING_STATE.first(session=session_id, person=person_id)


_LOCK_SESSION_ROW = PreparedQuery(
    lambda: Session.objects.select_for_update(of=("self",)).filter(pk=0).order_by().only("pk")
)
_BOOKING_STATE = PreparedQuery(
    lambda session, person: (
        Session.objects.filter(pk=session)
        .order_by()
        # What the rules read (booking.rules.booking_state, waitlist_has_room,
        # allocation_managed), not the notes and texts: every column is work for the driver
        # while the lock is held. A rule that reads another field must add it here, or reading
        # it costs a query of its own (tests/api/test_queries.py counts them).
        .only(
            "event",
            "starts_at",
            "ends_at",
            "capacity",
            "waitlist_enabled",
            "waitlist_limit",
            "booking_opens_at",
            "booking_closes_at",
            "status",
            "promotion",
            "sector_quotas",
        )
        .annotate(
            programme_published=F("event__programme__published"),
            requires_approval=F("event__requires_approval"),
            confirmed_places=count_of(
                Booking.objects.taking_places().filter(session=OuterRef("pk"))
            ),
            waitlisted_places=Coalesce(
                Subquery(
                    SessionWaitlist.objects.filter(session=OuterRef("pk")).values("waitlisted")
                ),
                0,
            ),
            already_booked=Exists(
                Booking.objects.active().filter(session=OuterRef("pk"), person=person)
            ),
            # The person's booking at an overlapping session (the schedule-conflict rule).
            clash=clash_with(person),
        )
    )
)


def cancel_booking(booking: Booking, *, by, now=None, reason: str = "") -> Booking:
    """Cancel a confirmed, offered or waitlisted booking and give a freed place to the waitlist.

    Allowed until the session starts; within ``LATE_CANCELLATION_PERIOD`` of the start it is
    recorded as a late cancellation. Only the person themself or a coordinator may cancel;
    a coordinator's ``reason`` is given to the person in the email.
    """
    if not rules.may_cancel_booking(by, booking):
        raise NotAllowed()
    with transaction.atomic():
        session = lock_session(booking.session_id)
        now = now or timezone.now()
        booking = Booking.objects.get(pk=booking.pk)
        if booking.status == Booking.Status.CANCELLED:
            raise errors.AlreadyCancelled()
        if now >= session.starts_at:
            raise errors.SessionStarted(
                "The session has started, so it can no longer be cancelled."
            )
        freed_place = booking.status in Booking.PLACE_STATUSES
        was_confirmed = booking.status == Booking.Status.CONFIRMED
        # Only a confirmed place given up late can go to waste; leaving the queue late cannot.
        late = was_confirmed and session.starts_at - now < settings.LATE_CANCELLATION_PERIOD
        _mark_cancelled(booking, by=by, now=now, late=late, calendar_told=freed_place)
        later(
            write_booking_messages,
            booking_ids=[booking.pk],
            kind=Kind.BOOKING_CANCELLED,
            reason=reason.strip(),
        )
        booking.session = session
        booking_event(EventType.BOOKING_CANCELLED, [booking])
        if freed_place:
            allocation.fill_free_places(session, now=now)
        if by.pk != booking.person_id:
            record("booking.cancelled", actor=by, target=booking)
    return booking


def accept_offer(booking: Booking, *, by, now=None) -> Booking:
    """Take up an offered place: the booking is confirmed and the person gets the invitation.

    Raises ``OfferExpired`` once the offer's time has passed (whether or not
    ``allocate_places`` has cancelled it yet) and ``NotOffered`` for a booking with no open
    offer (already accepted, declined, never offered); nothing is changed then.
    """
    with transaction.atomic():
        session = lock_session(booking.session_id)
        now = now or timezone.now()
        booking = _offered_booking(booking, by=by, now=now)
        booking.status = Booking.Status.CONFIRMED
        booking.confirmed_at = now
        booking.save(update_fields=["status", "confirmed_at"])
        later(write_booking_messages, booking_ids=[booking.pk], kind=Kind.BOOKING_CONFIRMED)
        booking_event(EventType.BOOKING_PROMOTED, [booking])
        if by.pk != booking.person_id:
            record("booking.offer_accepted", actor=by, target=booking)
    booking.session = session
    return booking


def _mark_cancelled(booking: Booking, *, by, now, late: bool, calendar_told: bool) -> None:
    """Write a booking's cancellation; ``calendar_told`` bumps its SEQUENCE for the CANCEL that
    goes to a calendar holding it (a confirmed or offered place)."""
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = by
    booking.late_cancellation = late
    if calendar_told:
        booking.ical_sequence += 1
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "late_cancellation",
            "ical_sequence",
        ]
    )


def decline_offer(booking: Booking, *, by, now=None) -> Booking:
    """Turn down an offered place: the booking is cancelled and the next person is offered it."""
    with transaction.atomic():
        session = lock_session(booking.session_id)
        now = now or timezone.now()
        booking = _offered_booking(booking, by=by, now=now)
        _mark_cancelled(booking, by=by, now=now, late=False, calendar_told=True)
        later(write_booking_messages, booking_ids=[booking.pk], kind=Kind.OFFER_DECLINED)
        booking_event(EventType.BOOKING_CANCELLED, [booking])
        allocation.fill_free_places(session, now=now)
        if by.pk != booking.person_id:
            record("booking.offer_declined", actor=by, target=booking)
    booking.session = session
    return booking


def _offered_booking(booking: Booking, *, by, now) -> Booking:
    """The booking read again under the lock, if its offer is open to ``by``."""
    if not rules.may_answer_offer(by, booking):
        raise NotAllowed()
    booking = Booking.objects.get(pk=booking.pk)
    if rules.offer_has_expired(booking, now):
        raise errors.OfferExpired()
    if not rules.offer_is_open(booking, now):
        raise errors.NotOffered()
    return booking


def allocate_places(*, now=None) -> dict[str, int]:
    """Expire offers whose time has run out and release sector quotas whose time has come,
    giving the places to the waitlist (``booking.allocation.settle``), session by session.

    Run every minute by the worker and by ``manage.py allocate_places``. Idempotent: at the
    same ``now`` a second run changes nothing. Returns counts for the command to report.
    """
    now = now or timezone.now()
    totals = {"sessions": 0, "expired": 0, "allocated": 0}
    for session_id in sessions_to_allocate(now):
        with transaction.atomic():
            session = lock_session(session_id)
            expired = allocation.expire_offers(session, now=now)
            allocated = allocation.fill_free_places(session, now=now)
        if expired or allocated:
            totals["sessions"] += 1
            totals["expired"] += len(expired)
            totals["allocated"] += len(allocated)
    return totals


def sessions_to_allocate(now) -> list[int]:
    """Sessions that may owe someone a change at ``now``: a live offer past its time, or
    quotas released while people wait. A cheap filter; ``settle`` decides under the lock."""
    overdue = Booking.objects.offered().filter(offer_expires_at__lte=now)
    released = (
        Session.objects.scheduled()
        .filter(starts_at__gt=now)
        .exclude(sector_quotas=[])
        .filter(
            Q(quota_release_at__lte=now)
            | Q(quota_release_at__isnull=True, starts_at__lte=now + QUOTA_RELEASE_LEAD)
        )
        .filter(Exists(Booking.objects.waitlisted().filter(session=OuterRef("pk"))))
    )
    ids = set(overdue.values_list("session_id", flat=True))
    ids.update(released.values_list("pk", flat=True))
    return sorted(ids)


def mark_attendance(booking: Booking, *, attendance: str, by, now=None) -> Booking:
    """Record whether a confirmed person attended; from the session's day, by its trainers."""
    now = now or timezone.now()
    if attendance not in Booking.Attendance.values:
        raise InvalidValue(f"Attendance must be one of: {', '.join(Booking.Attendance.values)}.")
    with transaction.atomic():
        session = lock_session(booking.session_id)
        _check_can_manage_attendance(session, by)
        booking = Booking.objects.get(pk=booking.pk)
        if booking.status != Booking.Status.CONFIRMED:
            raise errors.NotConfirmed()
        if not rules.attendance_open(session, now):
            raise errors.AttendanceTooEarly()
        _set_attendance(booking, attendance, by=by, now=now, event=session.event)
    return booking


def check_in(session: Session, *, person, code: str, now=None) -> Booking:
    """Mark the person attended with the session's check-in code (their own phone, say).

    Refused, in this order: outside the check-in window or for a cancelled session
    (``check_in_closed``), a wrong code (``invalid_code``), no confirmed place
    (``not_confirmed``). Checking in again changes nothing. Trainers still mark anyone by hand.
    """
    now = now or timezone.now()
    with transaction.atomic():
        try:
            session = lock_session(session.pk)
        except Session.DoesNotExist:
            raise errors.SessionNotFound() from None
        if not rules.check_in_open(session, now):
            raise errors.CheckInClosed()
        if not rules.check_in_code_matches(session, code):
            raise errors.InvalidCode()
        booking = Booking.objects.confirmed().filter(session=session, person=person).first()
        if booking is None:
            raise errors.NotConfirmed("You need a confirmed place at this session to check in.")
        if booking.attendance != Booking.Attendance.ATTENDED:
            _set_attendance(
                booking, Booking.Attendance.ATTENDED, by=person, now=now, event=session.event
            )
    return booking


def _set_attendance(booking: Booking, attendance: str, *, by, now, event) -> None:
    """Write the attendance (the session is locked); record who did it.

    Where the course gives its certificate without an evaluation, the person is told at once
    that it is ready; otherwise the evaluation email after the session leads to it.
    """
    newly_attended = (
        attendance == Booking.Attendance.ATTENDED
        and booking.attendance != Booking.Attendance.ATTENDED
    )
    booking.attendance = attendance
    booking.attendance_marked_at = now
    booking.attendance_marked_by = by
    booking.save(update_fields=["attendance", "attendance_marked_at", "attendance_marked_by"])
    record("booking.attendance_marked", actor=by, target=booking, attendance=attendance)
    booking_event(EventType.ATTENDANCE_MARKED, [booking], event=event)
    if newly_attended and not event.certificate_requires_evaluation:
        later(write_booking_messages, booking_ids=[booking.pk], kind=Kind.CERTIFICATE_AVAILABLE)


def submit_evaluation(booking: Booking, *, by, answers: dict, now=None) -> Evaluation:
    """Store the person's evaluation of a session they attended: once per booking.

    ``answers`` maps question ids (int or str) to a rating (a whole number from 1 to 5) or
    text. Every rating question must be answered; text may be left out. Refused with
    ``not_attended`` before the person is marked attended, ``already_submitted`` the second
    time, ``validation_error`` (with a message per question) for anything else; then nothing
    is written. The thank-you email, carrying the certificate, is written in the same
    transaction.
    """
    if not rules.may_evaluate(by, booking):
        raise NotAllowed()
    now = now or timezone.now()
    booking = Booking.objects.select_related("session__event").get(pk=booking.pk)
    if not rules.is_attended(booking):
        raise errors.NotAttended(
            "You can evaluate the session once you have been marked as attended."
        )
    if Evaluation.objects.filter(booking=booking).exists():
        raise errors.AlreadySubmitted()
    questions = evaluation_questions(booking.session.event)
    cleaned = _clean_answers(questions, answers)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(booking=booking, submitted_at=now)
            EvaluationAnswer.objects.bulk_create(
                EvaluationAnswer(evaluation=evaluation, question=question, **value)
                for question, value in cleaned
            )
            later(write_booking_messages, booking_ids=[booking.pk], kind=Kind.EVALUATION_THANKS)
            record("booking.evaluated", actor=by, target=booking)
    except IntegrityError as error:
        # Two submissions at once: the one-to-one constraint lets only the first in.
        raise errors.AlreadySubmitted() from error
    return evaluation


MAX_ANSWER_LENGTH = 2000


def _clean_answers(questions, answers) -> list[tuple]:
    if not isinstance(answers, dict):
        raise InvalidValue("Answers must be an object of question ids and values.")
    by_id = {str(question.pk): question for question in questions}
    problems: dict[str, list[str]] = {}
    for key in answers:
        if str(key) not in by_id:
            problems[str(key)] = ["This is not one of the session's questions."]
    given = {str(key): value for key, value in answers.items()}
    cleaned = []
    for key, question in by_id.items():
        value = given.get(key)
        if question.kind == question.Kind.RATING:
            if value is None or value == "":
                problems[key] = [f"Answer “{question.text}”."]
            elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                problems[key] = ["Give a whole number from 1 to 5."]
            else:
                cleaned.append((question, {"rating": value}))
        elif value not in (None, ""):
            if not isinstance(value, str):
                problems[key] = ["Give text."]
            elif len(value) > MAX_ANSWER_LENGTH:
                problems[key] = [f"Use {MAX_ANSWER_LENGTH} characters or fewer."]
            elif value.strip():
                cleaned.append((question, {"text": value.strip()}))
    if problems:
        first = next(iter(problems.values()))[0]
        raise InvalidValue(f"The answers are not complete. {first}", errors=problems)
    return cleaned


def mark_remaining_absent(session: Session, *, by, now=None) -> int:
    """After the session, mark every confirmed person not yet marked as absent; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(session.pk)
        _check_can_manage_attendance(session, by)
        if now < session.ends_at:
            raise errors.AttendanceTooEarly(
                "The remaining people can be marked absent once the session has ended."
            )
        unmarked = Booking.objects.confirmed().filter(
            session=session, attendance=Booking.Attendance.UNMARKED
        )
        marked_ids = list(unmarked.values_list("pk", flat=True))
        marked = Booking.objects.filter(pk__in=marked_ids).update(
            attendance=Booking.Attendance.ABSENT,
            attendance_marked_at=now,
            attendance_marked_by=by,
        )
        booking_event_by_id(EventType.ATTENDANCE_MARKED, marked_ids)
        record("session.remaining_marked_absent", actor=by, target=session, count=marked)
    return marked


def update_session(session: Session, *, by, **changes) -> Session:
    """Change a session's details; a move in time, place or link updates every calendar.

    Significant changes (start, end, venue, delivery, joining link) raise the session's
    calendar SEQUENCE and every active booking's, and everyone booked is told what changed.
    Capacity: a rise promotes the waitlist (not once the session has started), a cut below the
    confirmed places is refused. ``trainers`` (users) replaces the session's trainers.
    """
    trainers = changes.pop("trainers", None)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidValue(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.is_cancelled:
            raise errors.SessionCancelled()
        before = {name: getattr(session, name) for name in changes}
        capacity = changes.pop("capacity", None)
        for name, value in changes.items():
            setattr(session, name, value)
        taken = None
        if capacity is not None and capacity != session.capacity:
            taken = _set_capacity(session, capacity)
        validate_session(session)
        changed = {
            name: (before[name], getattr(session, name))
            for name in before
            if before[name] != getattr(session, name)
        }
        if trainers is not None:
            old_trainers = set(session.trainers.values_list("pk", flat=True))
            if old_trainers != {trainer.pk for trainer in trainers}:
                session.trainers.set(trainers)
                changed["trainers"] = (old_trainers, {trainer.pk for trainer in trainers})
        significant = [name for name in SIGNIFICANT_FIELDS if name in changed]
        # What people are told, in words; also read by ``preview_session_change``.
        session.change_notice = {name: _describe(*changed[name]) for name in significant}
        if significant:
            session.sequence += 1
            Booking.objects.active().filter(session=session).update(
                ical_sequence=F("ical_sequence") + 1
            )
        session.save()
        if set(ALLOCATION_FIELDS) & changed.keys():
            # More places, or fewer held back for sectors: the waitlist may be owed some.
            allocation.fill_free_places(session, now=timezone.now(), taken=taken)
        if significant:
            later(
                write_session_messages,
                session_id=session.pk,
                kind=Kind.SESSION_CHANGED,
                changes=session.change_notice,
            )
        if changed:
            session_event(EventType.SESSION_CHANGED, session.pk)
        if "capacity" in changed:
            old, new = changed["capacity"]
            record("session.capacity_changed", actor=by, target=session, old=old, new=new)
        if other_fields := sorted(name for name in changed if name != "capacity"):
            record("session.changed", actor=by, target=session, fields=other_fields)
    return session


def cancel_session(session: Session, *, by, reason: str = "", now=None) -> Session:
    """Cancel a session: every active booking is cancelled and everyone booked is told."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.is_cancelled:
            raise errors.SessionCancelled("This session is already cancelled.")
        session.status = Session.Status.CANCELLED
        session.cancellation_reason = reason.strip()
        session.sequence += 1
        session.save(update_fields=["status", "cancellation_reason", "sequence", "updated_at"])
        affected = list(
            Booking.objects.active().filter(session=session).values_list("pk", flat=True)
        )
        Booking.objects.filter(pk__in=affected).update(
            status=Booking.Status.CANCELLED,
            cancelled_at=now,
            cancelled_by=by,
            late_cancellation=False,
            ical_sequence=F("ical_sequence") + 1,
        )
        later(
            write_booking_messages,
            booking_ids=affected,
            kind=Kind.SESSION_CANCELLED,
            reason=session.cancellation_reason,
        )
        session_event(EventType.SESSION_CANCELLED, session.pk)
        booking_event_by_id(EventType.BOOKING_CANCELLED, affected)
        record("session.cancelled", actor=by, target=session, bookings=len(affected))
    return session


# Internal steps; each expects the session row to be locked already.


# Why a session that is not open for booking refuses one.
REFUSALS = {
    rules.BookingState.CANCELLED: errors.SessionCancelled,
    rules.BookingState.STARTED: errors.SessionStarted,
    rules.BookingState.NOT_OPEN_YET: errors.BookingClosed,
    rules.BookingState.CLOSED: errors.BookingClosed,
}


def _check_bookable(session: Session, now) -> None:
    refusal = REFUSALS.get(rules.booking_state(session, now))
    if refusal is not None:
        raise refusal()


def _conflict(booking_id: int) -> errors.ScheduleConflict:
    clash = load_conflict(booking_id)
    return errors.ScheduleConflict(
        f"You are already booked on {clash.session.event.title} at an overlapping time "
        f"({clash.session.when_text}). Book again with allow_conflict to book anyway.",
        conflicting=clash,
    )


def _set_capacity(session: Session, capacity: int) -> int:
    """Set the capacity if it holds everyone with a place; return the places taken."""
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise InvalidValue("Capacity must be a whole number of at least 1.")
    taken = allocation.places_taken(session)
    if capacity < taken:
        held = "confirmed" if session.promotion == Session.Promotion.AUTOMATIC else "taken"
        raise errors.CapacityBelowConfirmed(
            f"{taken} places are {held}; capacity cannot go below that."
        )
    session.capacity = capacity
    return taken


def _check_can_manage_attendance(session: Session, by) -> None:
    if not rules.may_see_register(by, session):
        raise NotAllowed("Only the session's trainers can mark attendance.")


def _describe(old, new) -> list[str]:
    """[old, new] in words, as the message task receives it (JSON has no tuples)."""
    return [_display(old), _display(new)]


def _display(value) -> str:
    if value is None or value == "":
        return "none"
    if hasattr(value, "tzinfo"):
        return f"{timezone.localtime(value):%A %-d %B %Y, %H:%M}"
    return str(value)


def message_attendees(session: Session, *, subject: str, body: str, by) -> int:
    """Send a message to everyone with a confirmed place; return how many people that is."""
    return message_people(session, subject=subject, body=body, audience="confirmed", by=by)


# Coordinators' work on a session and on other people's places (the Manage pages). Each is its
# own use case; they reuse the steps above, so the same locks, rules and messages apply.


@dataclass(frozen=True)
class ChangePreview:
    """What a change to a session would do, worked out but not made."""

    session: Session  # as it would be after the change (not saved)
    changes: dict  # {field: [old, new]} in words, as people are told it
    messages: list[tuple[Booking, Message]]  # each person booked and what they would be sent


def preview_session_change(session: Session, *, by, **changes) -> ChangePreview:
    """Work out exactly what ``update_session`` would tell each person booked, without telling
    anyone: the change is made, the messages rendered, then everything is rolled back.

    Raises what ``update_session`` would raise for the same change.
    """
    with transaction.atomic(), suppressed():
        updated = update_session(session, by=by, **changes)
        notice = updated.change_notice
        rendered = session_change_messages(updated.pk, changes=notice) if notice else []
        transaction.set_rollback(True)
    return ChangePreview(session=updated, changes=notice, messages=rendered)


def book_for_person(session: Session, *, person, by, access_needs: str = "", now=None) -> Booking:
    """A coordinator books a person in (a place, or the waitlist when full); they are told
    by email as if they had booked themselves. Unpublished sessions can be booked this way."""
    if not rules.may_manage_bookings(by):
        raise NotAllowed()
    with transaction.atomic():
        booking = book_session(
            session,
            person=person,
            by=by,
            source=Booking.Source.ADMIN,
            access_needs=access_needs,
            # The clash warning is for people booking themselves; the training team decides.
            allow_conflict=True,
            now=now,
        )
        record("booking.made_for", actor=by, target=booking, status=booking.status)
    return booking


def transfer_booking(booking: Booking, *, to_person, by, now=None) -> Booking:
    """Pass a place (or a waitlist place) to a colleague; return the colleague's new booking.

    The colleague's booking keeps the place's standing: a confirmed place stays confirmed, a
    waitlist place keeps its ``waitlisted_at`` and so its position in the queue. The first
    person's booking is cancelled (never late: the place is not lost) and they are told, with
    a CANCEL for their calendar; the colleague is told as for a new booking. Nobody else moves.
    """
    if not rules.may_manage_bookings(by):
        raise NotAllowed()
    if booking.person_id == to_person.pk:
        raise errors.SamePerson()
    with transaction.atomic():
        session = lock_session(booking.session_id)
        now = now or timezone.now()
        booking = Booking.objects.select_related("session").get(pk=booking.pk)
        if not booking.is_active:
            raise errors.AlreadyCancelled()
        if session.is_cancelled:
            raise errors.SessionCancelled()
        if now >= session.starts_at:
            raise errors.SessionStarted("The session has started, so places can no longer move.")
        if booking.status not in rules.TRANSFERABLE:
            raise errors.NotTransferable()
        if Booking.objects.active().filter(session=session, person=to_person).exists():
            raise errors.AlreadyBooked(f"{to_person} already has a place or a waitlist place.")
        confirmed = booking.status == Booking.Status.CONFIRMED
        colleague = Booking.objects.create(
            session=session,
            person=to_person,
            status=booking.status,
            created_at=now,
            confirmed_at=now if confirmed else None,
            waitlisted_at=booking.waitlisted_at,
            source=Booking.Source.ADMIN,
        )
        _mark_cancelled(booking, by=by, now=now, late=False, calendar_told=confirmed)
        later(
            write_booking_messages,
            booking_ids=[booking.pk],
            kind=Kind.BOOKING_CANCELLED,
            reason=f"Your {PLACE_WORDS[colleague.status]} has been passed to "
            f"{to_person}, as arranged with the training team.",
        )
        later(
            write_booking_messages,
            booking_ids=[colleague.pk],
            kind=TRANSFERRED_KINDS[colleague.status],
        )
        booking_event(EventType.BOOKING_CANCELLED, [booking])
        booking_event(EventType.BOOKING_CREATED, [colleague])
        record("booking.transferred", actor=by, target=booking, to_booking=colleague.pk)
    return colleague


PLACE_WORDS = {
    Booking.Status.CONFIRMED: "place",
    Booking.Status.WAITLISTED: "waitlist place",
}
# What the colleague who receives a place is told, by the place's standing.
TRANSFERRED_KINDS = {
    Booking.Status.CONFIRMED: Kind.BOOKING_CONFIRMED,
    Booking.Status.WAITLISTED: Kind.BOOKING_WAITLISTED,
}


def excuse_late_cancellation(booking: Booking, *, by) -> Booking:
    """Record a late cancellation as not late (the coordinator excused it: illness, a
    session moved, a cancellation on the partnership's side), so records stay fair."""
    if not rules.may_manage_bookings(by):
        raise NotAllowed()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if not rules.is_excusable(booking):
            raise errors.NotLateCancellation()
        booking.late_cancellation = False
        booking.save(update_fields=["late_cancellation"])
        record("booking.late_cancellation_excused", actor=by, target=booking)
    return booking


def message_people(session: Session, *, subject: str, body: str, audience: str, by) -> int:
    """Send a coordinator's message to the confirmed list, the waitlist or both; return how
    many people that is."""
    if not rules.may_manage_bookings(by):
        raise NotAllowed()
    try:
        statuses = rules.Audience(audience).statuses
    except ValueError:
        raise InvalidValue("Choose the confirmed list, the waitlist or both.") from None
    with transaction.atomic():
        recipients = Booking.objects.filter(session=session, status__in=statuses).count()
        record("session.messaged", actor=by, target=session, recipients=recipients)
        later(
            write_attendee_message,
            session_id=session.pk,
            subject=subject.strip(),
            body=body.strip(),
            statuses=[str(status) for status in statuses],
        )
    return recipients
