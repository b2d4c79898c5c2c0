"""Figures for the partnership board: fill, waitlists, attendance, no-shows, late cancellations.

Everything is counted by the database in a fixed number of queries (eight, however many sessions
and bookings there are); Python only turns the few grouped rows into percentages.

Definitions (docs/coordinators.md explains them for the board):
- The report covers sessions that were not cancelled and start within the date range, of the
  chosen programme and theme. Cancelled sessions are only counted, in ``sessions_cancelled``.
- Sessions run: those sessions that have ended. Places offered: their capacity.
- Bookings: confirmed places. Fill rate: bookings / places offered.
- Waitlist demand: people still on the waitlist, which for a session that has started means
  people still waiting at its start (no one is promoted once a session starts).
- Attended / no-shows: attendance marked by the trainers. Attendance rate: attended /
  (attended + no-shows); people not yet marked are left out, not counted as absent.
- Late cancellations: bookings cancelled within the late-cancellation period.
- Evaluations: those sent by people marked attended; response rate: evaluations / attended.
  Confidence before and after and usefulness are the mean ratings (1 to 5) of the default
  questions of those names (their ``key``), wherever a course asks them.
- A session with several themes counts under each, so theme rows can add up to more than the
  total. People are grouped by their organisation's sector at the time of the report.
- Share of places and of the waitlist by sector (fair allocation, per programme and per session):
  each sector's places held (confirmed and offered) as a share of all places held, and its
  people waiting as a share of everyone waiting.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Sector
from booking.models import Booking, EvaluationAnswer
from common.dates import local_midnight
from events.models import Programme, Session, Theme

NOT_RECORDED = "Not recorded"
NO_THEME = "No theme"


@dataclass(frozen=True)
class ReportFilters:
    programme: Programme | None = None
    theme: Theme | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class Figures:
    """One row of the report; session figures are None where a row is about people (sectors)."""

    label: str
    sessions_scheduled: int | None = None
    sessions_run: int | None = None
    places_offered: int | None = None
    bookings: int = 0
    waitlist_demand: int = 0
    attended: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    # Evaluations sent by people who attended; shown with the evaluation figures, not in as_row.
    evaluations: int = 0

    @property
    def fill_rate(self) -> int | None:
        """Bookings as a whole percentage of places offered."""
        return _percent(self.bookings, self.places_offered)

    @property
    def attendance_rate(self) -> int | None:
        """Attended as a whole percentage of everyone whose attendance was marked."""
        return _percent(self.attended, self.attended + self.no_shows)

    def as_row(self) -> tuple:
        """The label and figures in the order of ``REPORT_COLUMNS`` (after "Breakdown")."""
        return (
            self.label,
            self.sessions_scheduled,
            self.sessions_run,
            self.places_offered,
            self.bookings,
            self.fill_rate,
            self.waitlist_demand,
            self.attended,
            self.no_shows,
            self.attendance_rate,
            self.late_cancellations,
        )


@dataclass
class EvaluationFigures:
    """What the people who attended said: how many answered, and the mean ratings (1 to 5)
    of the default questions that every course asks unless it has its own."""

    label: str
    attended: int = 0
    evaluations: int = 0
    confidence_before: float | None = None
    confidence_after: float | None = None
    usefulness: float | None = None

    @property
    def response_rate(self) -> int | None:
        return _percent(self.evaluations, self.attended)

    @property
    def confidence_change(self) -> float | None:
        if self.confidence_before is None or self.confidence_after is None:
            return None
        return round(self.confidence_after - self.confidence_before, 1)

    def as_row(self) -> tuple:
        return (
            self.label,
            self.evaluations,
            self.response_rate,
            self.confidence_before,
            self.confidence_after,
            self.usefulness,
        )


# The default questions' keys that the report averages (docs/after-the-session.md).
RATED_KEYS = ("confidence_before", "confidence_after", "usefulness")


@dataclass
class SectorShare:
    """One sector's places held (confirmed and offered) and people waiting in one group."""

    label: str
    places: int = 0
    waiting: int = 0
    places_share: int | None = None
    waitlist_share: int | None = None


@dataclass
class SectorShares:
    """The sectors' shares of the places and of the waitlist of a programme or a session."""

    label: str
    kind: str  # "Programme" or "Session"
    sectors: list[SectorShare] = field(default_factory=list)

    @property
    def places(self) -> int:
        return sum(share.places for share in self.sectors)

    @property
    def waiting(self) -> int:
        return sum(share.waiting for share in self.sectors)


@dataclass
class PartnershipReport:
    filters: ReportFilters
    total: Figures
    sessions_cancelled: int
    by_theme: list[Figures] = field(default_factory=list)
    by_sector: list[Figures] = field(default_factory=list)
    evaluation: EvaluationFigures | None = None
    evaluation_by_theme: list[EvaluationFigures] = field(default_factory=list)
    shares_by_programme: list[SectorShares] = field(default_factory=list)
    shares_by_session: list[SectorShares] = field(default_factory=list)


BOOKING_FIGURES = {
    "bookings": Count("pk", filter=Q(status=Booking.Status.CONFIRMED)),
    "waitlist_demand": Count("pk", filter=Q(status=Booking.Status.WAITLISTED)),
    "attended": Count(
        "pk",
        filter=Q(status=Booking.Status.CONFIRMED, attendance=Booking.Attendance.ATTENDED),
    ),
    "no_shows": Count(
        "pk",
        filter=Q(status=Booking.Status.CONFIRMED, attendance=Booking.Attendance.ABSENT),
    ),
    "late_cancellations": Count(
        "pk", filter=Q(status=Booking.Status.CANCELLED, late_cancellation=True)
    ),
    "evaluations": Count(
        "evaluation",
        filter=Q(status=Booking.Status.CONFIRMED, attendance=Booking.Attendance.ATTENDED),
    ),
}


def partnership_report(filters: ReportFilters, *, now: datetime | None = None) -> PartnershipReport:
    """Count the board's figures for the filtered sessions, overall, by theme and by sector."""
    now = now or timezone.now()
    in_scope = _sessions_in_scope(filters)
    scheduled = in_scope.filter(status=Session.Status.SCHEDULED)
    bookings = Booking.objects.filter(session__in=scheduled)

    session_totals = in_scope.aggregate(
        sessions_scheduled=Count("pk", filter=Q(status=Session.Status.SCHEDULED)),
        sessions_run=Count("pk", filter=Q(status=Session.Status.SCHEDULED, ends_at__lte=now)),
        places_offered=Sum("capacity", filter=Q(status=Session.Status.SCHEDULED), default=0),
        sessions_cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED)),
    )
    sessions_cancelled = session_totals.pop("sessions_cancelled")
    booking_totals = bookings.aggregate(**BOOKING_FIGURES)
    evaluations = booking_totals.pop("evaluations")
    total = Figures(label="All sessions", **session_totals, **booking_totals)
    by_theme = _by_theme(scheduled, bookings, now=now)

    return PartnershipReport(
        filters=filters,
        total=total,
        sessions_cancelled=sessions_cancelled,
        by_theme=by_theme,
        by_sector=_by_sector(bookings),
        evaluation=_evaluation_total(bookings, total, evaluations),
        evaluation_by_theme=_evaluation_by_theme(bookings, by_theme),
        **_sector_shares(bookings),
    )


def _sector_shares(bookings: QuerySet[Booking]) -> dict[str, list[SectorShares]]:
    """Each sector's share of the places and of the waitlist, per programme and per session
    (one query: bookings grouped by session and sector)."""
    groups = (
        bookings.order_by()
        .values(
            "session",
            "session__starts_at",
            "session__event__title",
            "session__event__programme",
            "session__event__programme__title",
            "person__organisation__sector",
        )
        .annotate(
            places=Count("pk", filter=Q(status__in=Booking.PLACE_STATUSES)),
            waiting=Count("pk", filter=Q(status=Booking.Status.WAITLISTED)),
        )
    )
    # {key: (sort key, label, {sector: [places, waiting]})} for programmes and for sessions.
    programmes: dict[int, tuple] = {}
    sessions: dict[int, tuple] = {}
    for group in groups:
        programme_title = group["session__event__programme__title"]
        starts_at = group["session__starts_at"]
        session_label = (
            f"{group['session__event__title']}, {timezone.localtime(starts_at):%-d %b %Y %H:%M}"
        )
        for table, key, order, label in (
            (programmes, group["session__event__programme"], programme_title, programme_title),
            (sessions, group["session"], starts_at, session_label),
        ):
            _, _, counts = table.setdefault(key, (order, label, {}))
            sector_counts = counts.setdefault(group["person__organisation__sector"], [0, 0])
            sector_counts[0] += group["places"]
            sector_counts[1] += group["waiting"]
    return {
        "shares_by_programme": _shares(programmes.values(), "Programme"),
        "shares_by_session": _shares(sessions.values(), "Session"),
    }


def _shares(groups, kind: str) -> list[SectorShares]:
    rows = []
    for _, label, by_sector in sorted(groups, key=lambda group: group[0]):
        places = sum(counts[0] for counts in by_sector.values())
        waiting = sum(counts[1] for counts in by_sector.values())
        sectors = [
            SectorShare(
                label=sector_label,
                places=by_sector[value][0],
                waiting=by_sector[value][1],
                places_share=_percent(by_sector[value][0], places),
                waitlist_share=_percent(by_sector[value][1], waiting),
            )
            for value, sector_label in [*Sector.choices, (None, NOT_RECORDED)]
            if any(by_sector.get(value, ()))
        ]
        rows.append(SectorShares(label=label, kind=kind, sectors=sectors))
    return rows


def _answers(bookings: QuerySet[Booking]) -> QuerySet[EvaluationAnswer]:
    return EvaluationAnswer.objects.filter(
        evaluation__booking__in=bookings.filter(
            status=Booking.Status.CONFIRMED, attendance=Booking.Attendance.ATTENDED
        ),
        question__key__in=RATED_KEYS,
    ).order_by()


def _evaluation_total(
    bookings: QuerySet[Booking], total: Figures, evaluations: int
) -> EvaluationFigures:
    figures = EvaluationFigures(
        label="All sessions", attended=total.attended, evaluations=evaluations
    )
    for row in _answers(bookings).values("question__key").annotate(mean=Avg("rating")):
        setattr(figures, row["question__key"], _mean(row["mean"]))
    return figures


def _evaluation_by_theme(
    bookings: QuerySet[Booking], by_theme: list[Figures]
) -> list[EvaluationFigures]:
    """Per theme, in the theme rows' order; a theme's evaluations are its rows' (one query)."""
    rows = {
        figures.label: EvaluationFigures(
            label=figures.label, attended=figures.attended, evaluations=figures.evaluations
        )
        for figures in by_theme
    }
    groups = (
        _answers(bookings)
        .values("evaluation__booking__session__event__themes__title", "question__key")
        .annotate(mean=Avg("rating"))
    )
    for group in groups:
        label = group["evaluation__booking__session__event__themes__title"] or NO_THEME
        if label in rows:
            setattr(rows[label], group["question__key"], _mean(group["mean"]))
    return list(rows.values())


def _mean(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _sessions_in_scope(filters: ReportFilters) -> QuerySet[Session]:
    sessions = Session.objects.all()
    if filters.programme:
        sessions = sessions.filter(event__programme=filters.programme)
    if filters.theme:
        # A subquery rather than a join, so the theme breakdown still sees every theme.
        sessions = sessions.with_theme(filters.theme)
    if filters.date_from:
        sessions = sessions.filter(starts_at__gte=local_midnight(filters.date_from))
    if filters.date_to:
        sessions = sessions.filter(starts_at__lt=local_midnight(filters.date_to + timedelta(1)))
    return sessions


def _by_theme(scheduled: QuerySet[Session], bookings: QuerySet[Booking], *, now) -> list[Figures]:
    rows: dict[int | None, Figures] = {}
    session_groups = (
        scheduled.order_by()
        .values("event__themes", "event__themes__title")
        .annotate(
            sessions_scheduled=Count("pk"),
            sessions_run=Count("pk", filter=Q(ends_at__lte=now)),
            places_offered=Sum("capacity"),
        )
    )
    for group in session_groups:
        theme_id = group.pop("event__themes")
        title = group.pop("event__themes__title") or NO_THEME
        rows[theme_id] = Figures(label=title, **group)
    booking_groups = (
        bookings.order_by().values("session__event__themes").annotate(**BOOKING_FIGURES)
    )
    for group in booking_groups:
        row = rows[group.pop("session__event__themes")]
        for name, value in group.items():
            setattr(row, name, value)
    return sorted(rows.values(), key=lambda row: (row.label == NO_THEME, row.label.casefold()))


def _by_sector(bookings: QuerySet[Booking]) -> list[Figures]:
    counted = {
        group.pop("person__organisation__sector"): group
        for group in bookings.order_by()
        .values("person__organisation__sector")
        .annotate(**BOOKING_FIGURES)
    }
    rows = [Figures(label=label, **counted.get(value, {})) for value, label in Sector.choices]
    if None in counted:
        rows.append(Figures(label=NOT_RECORDED, **counted[None]))
    return rows


def _percent(part: int, whole: int | None) -> int | None:
    if not whole:
        return None
    return round(100 * part / whole)


REPORT_COLUMNS = (
    "Breakdown",
    "Group",
    "Sessions scheduled",
    "Sessions run",
    "Places offered",
    "Bookings",
    "Fill rate %",
    "Waitlist demand",
    "Attended",
    "No-shows",
    "Attendance rate %",
    "Late cancellations",
)


EVALUATION_COLUMNS = (
    "Evaluation breakdown",
    "Group",
    "Evaluations",
    "Response rate %",
    "Confidence before (1-5)",
    "Confidence after (1-5)",
    "Usefulness (1-5)",
)


SHARE_COLUMNS = (
    "Share breakdown",
    "Group",
    "Sector",
    "Places held",
    "Share of places %",
    "Waiting",
    "Share of waitlist %",
)


def report_csv(report: PartnershipReport) -> bytes:
    """Return the report as CSV: the total, then one line per theme and per sector."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_COLUMNS)
    sections = [("Total", [report.total]), ("Theme", report.by_theme), ("Sector", report.by_sector)]
    for breakdown, rows in sections:
        for row in rows:
            writer.writerow(
                [breakdown, *("" if value is None else value for value in row.as_row())]
            )
    writer.writerow([])
    writer.writerow(EVALUATION_COLUMNS)
    evaluation_sections = [("Total", [report.evaluation]), ("Theme", report.evaluation_by_theme)]
    for breakdown, rows in evaluation_sections:
        for row in rows:
            writer.writerow(
                [breakdown, *("" if value is None else value for value in row.as_row())]
            )
    writer.writerow([])
    writer.writerow(SHARE_COLUMNS)
    for group in (*report.shares_by_programme, *report.shares_by_session):
        for share in group.sectors:
            writer.writerow(
                [
                    group.kind,
                    group.label,
                    share.label,
                    share.places,
                    "" if share.places_share is None else share.places_share,
                    share.waiting,
                    "" if share.waitlist_share is None else share.waitlist_share,
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode()
