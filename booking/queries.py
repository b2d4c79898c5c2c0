"""Reusable reads about bookings and availability."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.rules import is_coordinator
from booking import errors, rules
from booking.models import Booking, Evaluation, EvaluationAnswer
from events.models import EvaluationQuestion, Session
from events.queries import (
    SESSION_CHANGES,
    FeedState,
    evaluation_questions,
    feed_start,
    refresher_due,
    sessions_for_calendar,
    trainer_flag,
)


def count_of(rows) -> Subquery:
    """How many rows a correlated queryset (one filtered by ``OuterRef``) matches: one COUNT in
    a subquery, zero when there are none, evaluated only for the outer rows returned."""
    return Subquery(
        rows.order_by().annotate(n=Func("pk", function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def sessions_with_availability(sessions=None):
    """Annotate sessions with confirmed_count, offered_count (live offers), waitlist_length
    and places_left, which counts offers as taken (one query).

    The counts are correlated subqueries rather than a join with GROUP BY, so the database
    counts bookings only for the sessions it returns (a page of 20 costs 20 index lookups, not
    an aggregate over every booking), and ``.count()`` for pagination needs no bookings at all.
    """
    sessions = Session.objects.all() if sessions is None else sessions
    return sessions.annotate(
        confirmed_count=count_of(Booking.objects.confirmed().filter(session=OuterRef("pk"))),
        offered_count=count_of(Booking.objects.offered().filter(session=OuterRef("pk"))),
        waitlist_length=count_of(Booking.objects.waitlisted().filter(session=OuterRef("pk"))),
    ).annotate(places_left=Greatest(F("capacity") - F("confirmed_count") - F("offered_count"), 0))


def taken_by_sector(session) -> Counter:
    """{sector or None: confirmed places and live offers held by people of that sector}."""
    return Counter(
        Booking.objects.taking_places()
        .filter(session=session)
        .values_list("person__organisation__sector", flat=True)
    )


def confirmed_by_sector(sessions) -> None:
    """Set ``confirmed_by_sector`` ({sector: confirmed places}) on each session with quotas,
    in one query for them all (none when no session has quotas)."""
    with_quotas = {session.pk: session for session in sessions if session.sector_quotas}
    for session in sessions:
        session.confirmed_by_sector = {}
    if not with_quotas:
        return
    rows = (
        Booking.objects.confirmed()
        .filter(session__in=with_quotas, person__organisation__isnull=False)
        .values_list("session_id", "person__organisation__sector")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for session_id, sector, n in rows:
        with_quotas[session_id].confirmed_by_sector[sector] = n


def sector_quotas_with_counts(session) -> list[dict]:
    """The session's quotas as ``[{"sector", "places", "confirmed"}]``."""
    counts = getattr(session, "confirmed_by_sector", None)
    if counts is None:
        confirmed_by_sector([session])
        counts = session.confirmed_by_sector
    return [
        {
            "sector": quota["sector"],
            "places": quota["places"],
            "confirmed": counts.get(quota["sector"], 0),
        }
        for quota in session.sector_quotas or ()
    ]


def with_viewer(sessions, user):
    """Annotate what the user is to each session, for ``booking.rules`` to read without a
    query per session: ``viewer_is_trainer`` and ``viewer_is_confirmed``."""
    if not user.is_authenticated:
        return sessions
    return sessions.annotate(
        viewer_is_trainer=trainer_flag(user),
        viewer_is_confirmed=Exists(
            Booking.objects.confirmed().filter(session=OuterRef("pk"), person=user)
        ),
    )


def _ahead_in_queue(waitlisted_at, pk) -> Q:
    """The waitlisted bookings before (waitlisted_at, pk) in the queue: the order of
    ``BookingQuerySet.waitlist_order`` (first waitlisted first, ties by id), as a filter."""
    return Q(waitlisted_at__lt=waitlisted_at) | Q(waitlisted_at=waitlisted_at, pk__lt=pk)


def annotate_waitlist_position(bookings):
    """Annotate a booking queryset with waitlist_position, in the same query.

    Counts the waitlisted bookings ahead in the same session; None for bookings that are not
    waiting. Derived from the queue on every read, so it can never drift.
    """
    ahead = count_of(
        Booking.objects.waitlisted()
        .filter(session=OuterRef("session"))
        .filter(_ahead_in_queue(OuterRef("waitlisted_at"), OuterRef("pk")))
    )
    return bookings.annotate(
        waitlist_position=Case(
            When(status=Booking.Status.WAITLISTED, then=ahead + Value(1)),
            default=None,
        )
    )


def with_waitlist_position(bookings) -> list[Booking]:
    """The bookings, each with ``waitlist_position`` (1-based; None if not waiting)."""
    return list(annotate_waitlist_position(bookings))


def waitlist_position(booking: Booking) -> int | None:
    """The booking's place in its session's queue, or None when it is not waitlisted."""
    if booking.status != Booking.Status.WAITLISTED:
        return None
    ahead = Booking.objects.waitlisted().filter(
        _ahead_in_queue(booking.waitlisted_at, booking.pk), session_id=booking.session_id
    )
    return ahead.count() + 1


def registers_for(user) -> QuerySet:
    """``booking.rules.may_see_register`` as a queryset: the sessions whose register the user
    may open (trainers their own, coordinators every one); any other is not there (404)."""
    sessions = Session.objects.select_related("event__programme", "venue").annotate(
        viewer_is_trainer=trainer_flag(user)
    )
    if is_coordinator(user):
        return sessions
    return sessions.for_trainer(user)


def bookings_visible_to(user):
    """``booking.rules.may_see_booking`` as a queryset: coordinators every booking, anyone
    else their own."""
    if is_coordinator(user):
        return Booking.objects.all()
    return Booking.objects.filter(person=user)


def bookings_for(person, *, statuses: Iterable[str] | None = None):
    """A person's bookings with their sessions, latest session first."""
    bookings = Booking.objects.filter(person=person).select_related(
        "session__event__programme", "session__venue"
    )
    if statuses:
        bookings = bookings.filter(status__in=list(statuses))
    return bookings.order_by("-session__starts_at", "-id")


def active_booking(session: Session, person) -> Booking | None:
    """The person's confirmed or waitlisted booking at the session, if any."""
    if not person.is_authenticated:
        return None
    return Booking.objects.active().filter(session=session, person=person).first()


# Calendar feeds of bookings (the personal feed) and of booked numbers (the trainer feed); the
# session feeds' own reads are in ``events.queries``.

_BOOKING_CHANGES = ("created_at", "confirmed_at", "waitlisted_at", "cancelled_at")


def personal_feed_bookings(user, *, now: datetime) -> QuerySet:
    """A person's places and waitlist places, and bookings cancelled in the last 90 days."""
    start = feed_start(now)
    return Booking.objects.filter(person=user, session__starts_at__gte=start).filter(
        ~Q(status=Booking.Status.CANCELLED) | Q(cancelled_at__gte=start)
    )


def trainer_sessions_for_calendar(sessions: QuerySet, trainer) -> QuerySet:
    """Sessions with their booked numbers (``confirmed_count``, ``waitlist_length``) and what
    the trainer is to each (``with_viewer``)."""
    return with_viewer(sessions_with_availability(sessions_for_calendar(sessions)), trainer)


def bookings_for_calendar(bookings: QuerySet) -> QuerySet:
    """Load bookings with their sessions, events, programmes, venues and themes (two queries)."""
    return (
        bookings.select_related("session__event__programme", "session__venue")
        .prefetch_related("session__event__themes")
        .order_by("session__starts_at", "pk")
    )


def trainer_state(sessions: QuerySet, *, kind: str, now: datetime) -> FeedState:
    """The validators of a trainer feed, booked numbers included, in one aggregate query."""
    booked = {
        f"{status}_bookings": Count("bookings", filter=Q(bookings__status=status), distinct=True)
        for status in Booking.Status.values
    }
    values = sessions.order_by().aggregate(
        sessions=Count("pk", distinct=True),
        **booked,
        **{path: Max(path) for path in SESSION_CHANGES},
        **{f"bookings__{name}": Max(f"bookings__{name}") for name in _BOOKING_CHANGES},
    )
    return FeedState.of(kind, values, now=now)


def bookings_state(bookings: QuerySet, *, kind: str, now: datetime) -> FeedState:
    """The validators of a personal feed, in one aggregate query.

    Every change that reaches a person's feed moves one of these: a new booking (count), a
    promotion (status counts, ``confirmed_at``), a cancellation (``cancelled_at``), a session
    change (the session's ``updated_at``; it is saved whenever a booking SEQUENCE is raised).
    """
    by_status = {
        status: Count("pk", filter=Q(status=status), distinct=True)
        for status in Booking.Status.values
    }
    values = bookings.order_by().aggregate(
        **by_status,
        **{name: Max(name) for name in _BOOKING_CHANGES},
        **{f"session__{path}": Max(f"session__{path}") for path in SESSION_CHANGES},
    )
    return FeedState.of(kind, values, now=now)


# After the session.


def with_evaluation(bookings: QuerySet) -> QuerySet:
    """Annotate ``evaluation_submitted_at`` (None before the evaluation), which
    ``booking.rules.has_evaluation`` reads instead of asking again."""
    return bookings.annotate(
        evaluation_submitted_at=Subquery(
            Evaluation.objects.filter(booking=OuterRef("pk")).values("submitted_at")[:1]
        )
    )


def attended_bookings(person) -> QuerySet:
    """The person's attended sessions, latest first, with event and evaluation loaded."""
    bookings = (
        Booking.objects.confirmed()
        .filter(person=person, attendance=Booking.Attendance.ATTENDED)
        .select_related("session__event", "session__venue")
        .order_by("-session__starts_at", "-pk")
    )
    return with_evaluation(bookings)


@dataclass(frozen=True)
class TrainingRecordRow:
    booking: Booking
    hours: Decimal
    certificate_available: bool
    evaluated: bool
    refresher_due: date | None

    @property
    def session(self) -> Session:
        return self.booking.session


def training_record(person) -> list[TrainingRecordRow]:
    """What a practitioner can show an employer or inspector: each session attended, its
    hours, whether the certificate is there, and when the training should be refreshed."""
    return [
        TrainingRecordRow(
            booking=booking,
            hours=hours_of(booking.session),
            certificate_available=rules.certificate_unlocked(booking),
            evaluated=booking.evaluation_submitted_at is not None,
            refresher_due=refresher_due(booking.session),
        )
        for booking in attended_bookings(person)
    ]


def hours_of(session: Session) -> Decimal:
    """The session's length in hours, to the hundredth (2 h 30 min is 2.50)."""
    seconds = Decimal(int(session.duration.total_seconds()))
    return (seconds / 3600).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class EvaluationForm:
    questions: list[EvaluationQuestion]
    evaluation: Evaluation | None

    @property
    def submitted_at(self) -> datetime | None:
        return self.evaluation.submitted_at if self.evaluation else None


def evaluation_form(booking: Booking) -> EvaluationForm:
    """The questions a person answers about their booking, and their answers once sent.

    Open from the moment they are marked attended (so that people can answer before they
    leave the room); before that ``NotAttended``. Needs ``booking.session.event`` loaded.
    """
    if not rules.is_attended(booking):
        raise errors.NotAttended(
            "You can evaluate the session once you have been marked as attended."
        )
    evaluation = Evaluation.objects.filter(booking=booking).prefetch_related("answers").first()
    return EvaluationForm(
        questions=evaluation_questions(booking.session.event), evaluation=evaluation
    )


def refresher_candidates() -> QuerySet:
    """Each person's latest attended booking of every course that has a refresher period,
    unless they have already booked (or attended) a later session of that course."""
    later = (
        Booking.objects.active()
        .filter(
            person=OuterRef("person"),
            session__event=OuterRef("session__event"),
            session__starts_at__gt=OuterRef("session__starts_at"),
        )
        .exclude(attendance=Booking.Attendance.ABSENT)
    )
    return (
        Booking.objects.confirmed()
        .filter(
            attendance=Booking.Attendance.ATTENDED,
            session__event__refresher_months__isnull=False,
            person__is_active=True,
        )
        .exclude(Exists(later))
        .select_related("person__organisation", "session__event", "session__venue")
        .prefetch_related("session__event__themes")
        .order_by("session__starts_at", "pk")
    )


@dataclass(frozen=True)
class RefresherRow:
    booking: Booking
    due: date
    overdue: bool


def refreshers_due(*, now: datetime | None = None, lead=None) -> list[RefresherRow]:
    """People whose training falls due within ``lead`` (``REFRESHER_REMINDER_LEAD``) or is
    overdue, soonest first: the coordinators' list by organisation and sector."""
    today = timezone.localdate(now or timezone.now())
    lead = settings.REFRESHER_REMINDER_LEAD if lead is None else lead
    rows = []
    for booking in refresher_candidates():
        due = refresher_due(booking.session)
        if due <= today + lead:
            rows.append(RefresherRow(booking=booking, due=due, overdue=due < today))
    return sorted(rows, key=lambda row: (row.due, row.booking.pk))


@dataclass
class QuestionSummary:
    id: int
    text: str
    kind: str
    count: int = 0
    mean: float | None = None
    answers: list[str] = field(default_factory=list)


@dataclass
class EvaluationSummary:
    attended: int
    responses: int
    questions: list[QuestionSummary]

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.responses / self.attended) if self.attended else None


def evaluation_summary(bookings: QuerySet) -> EvaluationSummary:
    """Answers to the evaluations of these bookings (a session's, a course's, a theme's): per
    question the count and mean rating, or the free-text answers in alphabetical order, never
    with a name. Three queries, however many answers."""
    attended = bookings.filter(
        status=Booking.Status.CONFIRMED, attendance=Booking.Attendance.ATTENDED
    )
    responses = Evaluation.objects.filter(booking__in=attended).count()
    answers = EvaluationAnswer.objects.filter(evaluation__booking__in=attended)
    questions: dict[int, QuestionSummary] = {}
    ratings = (
        answers.order_by()
        .values("question", "question__text", "question__kind", "question__position")
        .annotate(count=Count("pk"), mean=Avg("rating"))
        .order_by("question__position", "question")
    )
    for row in ratings:
        questions[row["question"]] = QuestionSummary(
            id=row["question"],
            text=row["question__text"],
            kind=row["question__kind"],
            count=row["count"],
            mean=round(row["mean"], 1) if row["mean"] is not None else None,
        )
    for question_id, text in (
        answers.filter(question__kind=EvaluationQuestion.Kind.TEXT)
        .exclude(text="")
        .order_by("text")
        .values_list("question", "text")
    ):
        questions[question_id].answers.append(text)
    return EvaluationSummary(
        attended=attended.count(), responses=responses, questions=list(questions.values())
    )


# Scheduling conflicts.

# The bookings that hold a person to a time (a place, an offer of one, the waitlist): a clash
# with one of these asks first.
HOLDING_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.OFFERED, Booking.Status.WAITLISTED)


def clash_with(person) -> Subquery:
    """For a session queryset: the id of ``person``'s confirmed or waitlisted booking at another
    scheduled session overlapping the outer session in time, or NULL (an annotation).

    Times are compared as instants (stored in UTC), so the offsets they were written with and
    clock changes cannot make two sessions look apart or together: 01:30 BST and 01:30 GMT on
    the last Sunday of October are an hour apart. Sessions that only touch do not overlap. The
    booking service reads it in the same statement as its counts, under the session lock.
    """
    return Subquery(
        Booking.objects.filter(
            person_id=person,
            status__in=HOLDING_STATUSES,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__lt=OuterRef("ends_at"),
            session__ends_at__gt=OuterRef("starts_at"),
        )
        .exclude(session_id=OuterRef("pk"))
        .order_by("session__starts_at", "pk")
        .values("pk")[:1],
        output_field=IntegerField(),
    )


def conflicting_booking(person_id: int, session_id: int) -> Booking | None:
    """The person's booking that clashes with the session (``clash_with``), if any, with its
    session and event; one query when there is none."""
    clash = (
        Session.objects.filter(pk=session_id)
        .annotate(clash=clash_with(person_id))
        .values_list("clash", flat=True)
        .first()
    )
    return load_conflict(clash)


def load_conflict(booking_id: int | None) -> Booking | None:
    if booking_id is None:
        return None
    return Booking.objects.select_related("session__event").get(pk=booking_id)
