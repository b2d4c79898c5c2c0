"""Trainers' registers and exports, attendance certificates, and the partnership board report.

Views stay thin: they find what the signed-in person may see (``backoffice.queries``), call one
booking service or builder, and render. A trainer asking for someone else's session gets a 404,
the same answer as for a session that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.rules import is_coordinator
from audit.services import record
from backoffice.charts import percentage_chart
from backoffice.check_in import check_in_display
from backoffice.exports import register_csv, register_xlsx, sign_in_sheet_pdf
from backoffice.forms import AttendanceForm, ReportFilterForm
from backoffice.queries import trained_sessions_with_counts, trainer_names
from backoffice.registers import register_rows
from backoffice.reports import NOT_RECORDED, ReportFilters, partnership_report, report_csv
from booking import rules, services
from booking.certificates import certificate_filename, certificate_for
from booking.errors import EvaluationRequired, NotAttended
from booking.models import Booking
from booking.queries import (
    bookings_visible_to,
    evaluation_summary,
    refreshers_due,
    registers_for,
    sessions_with_availability,
)
from common.errors import DomainError
from common.http import download
from events.models import Event, Theme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def my_sessions(request):
    now = timezone.now()
    sessions = list(trained_sessions_with_counts(request.user).order_by("starts_at", "id"))
    upcoming = [session for session in sessions if session.ends_at > now]
    past = [session for session in reversed(sessions) if session.ends_at <= now]
    return render(
        request,
        "staff/my_sessions.html",
        {"upcoming": upcoming, "past": past, "nav": "my_sessions"},
    )


@login_required
def register(request, pk: int):
    session = get_object_or_404(sessions_with_availability(registers_for(request.user)), pk=pk)
    now = timezone.now()
    rows = register_rows(session)
    unmarked = sum(1 for row in rows if row.attendance == Booking.Attendance.UNMARKED)
    context = {
        "session": session,
        "rows": rows,
        "trainers": trainer_names(session),
        "unmarked": unmarked,
        # Hints for the page only; the booking service enforces the same rules.
        "can_mark": not session.is_cancelled and rules.attendance_open(session, now),
        "has_ended": now >= session.ends_at,
        "attended": sum(1 for row in rows if row.attendance == Booking.Attendance.ATTENDED),
        "check_in": None if session.is_cancelled else check_in_display(session, now=now),
        "nav": "my_sessions",
    }
    # Never stored (PrivatePagesMiddleware), so a reload shows who has checked in since.
    return render(request, "staff/register.html", context)


@require_POST
@login_required
def mark_attendance(request, pk: int, booking_id: int):
    session = get_object_or_404(registers_for(request.user), pk=pk)
    booking = get_object_or_404(Booking.objects.filter(session=session), pk=booking_id)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose attended or absent.")
    else:
        try:
            booking = services.mark_attendance(
                booking, attendance=form.cleaned_data["attendance"], by=request.user
            )
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request, f"{booking.person}: {booking.get_attendance_display().lower()}."
            )
    return redirect(f"{reverse('staff:register', args=[session.pk])}#booking-{booking.pk}")


@require_POST
@login_required
def mark_remaining_absent(request, pk: int):
    session = get_object_or_404(registers_for(request.user), pk=pk)
    try:
        marked = services.mark_remaining_absent(session, by=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, f"{marked} {'person' if marked == 1 else 'people'} marked absent."
        )
    return redirect("staff:register", pk=session.pk)


def _export(request, pk: int, *, file_format: str):
    session = get_object_or_404(registers_for(request.user), pk=pk)
    rows = register_rows(session)
    stem = f"register-{session.event.slug}-{timezone.localtime(session.starts_at):%Y-%m-%d}"
    if file_format == "csv":
        content, content_type, filename = register_csv(rows), "text/csv; charset=utf-8", stem
    elif file_format == "xlsx":
        content, content_type, filename = register_xlsx(rows, session=session), XLSX, stem
    else:
        content = sign_in_sheet_pdf(rows, session=session, trainers=trainer_names(session))
        content_type, filename = "application/pdf", stem.replace("register", "sign-in-sheet")
    record(
        "register.exported", actor=request.user, target=session, format=file_format, rows=len(rows)
    )
    return download(content, content_type=content_type, filename=f"{filename}.{file_format}")


@login_required
def export_csv(request, pk: int):
    return _export(request, pk, file_format="csv")


@login_required
def export_xlsx(request, pk: int):
    return _export(request, pk, file_format="xlsx")


@login_required
def export_pdf(request, pk: int):
    return _export(request, pk, file_format="pdf")


@login_required
def certificate(request, pk: int):
    """The certificate PDF for its person (or a coordinator), once it is unlocked; before the
    evaluation that unlocks it, the person is taken to the evaluation."""
    booking = get_object_or_404(bookings_visible_to(request.user), pk=pk)
    try:
        content = certificate_for(booking)
    except EvaluationRequired as error:
        if booking.person_id != request.user.pk:
            raise Http404 from error
        messages.info(request, error.detail)
        return redirect("booking:evaluate", booking.pk)
    except NotAttended as error:
        raise Http404 from error
    return download(content, content_type="application/pdf", filename=certificate_filename(booking))


def _coordinator_report(request):
    if not is_coordinator(request.user):
        raise PermissionDenied
    form = ReportFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = form.filters() if form.is_bound else ReportFilters()
    return form, partnership_report(filters)


@login_required
def reports(request):
    form, report = _coordinator_report(request)
    context = {
        "form": form,
        "report": report,
        "query": request.GET.urlencode(),
        "nav": "reports",
    }
    if report is not None:
        context["charts"] = [
            percentage_chart("Fill rate by theme", report.by_theme, value="fill_rate"),
            percentage_chart(
                "Attendance rate by sector", report.by_sector, value="attendance_rate"
            ),
        ]
    return render(request, "staff/reports.html", context)


@login_required
def reports_csv(request):
    _form, report = _coordinator_report(request)
    if report is None:
        return HttpResponse(
            "The report filters are not valid.", status=400, content_type="text/plain"
        )
    return download(
        report_csv(report),
        content_type="text/csv; charset=utf-8",
        filename="partnership-report.csv",
    )


# After the session: evaluation summaries and refreshers.


@login_required
def session_evaluation(request, pk: int):
    """A session's evaluation summary, for its trainers and coordinators (others: 404)."""
    session = get_object_or_404(registers_for(request.user).select_related("event"), pk=pk)
    return render(
        request,
        "staff/session_evaluation.html",
        {
            "session": session,
            "summary": evaluation_summary(Booking.objects.filter(session=session)),
            "nav": "my_sessions",
        },
    )


@login_required
def evaluation_summaries(request):
    """Coordinators: the evaluation summary of a course or of a theme, free text without
    names; with neither chosen, the list to choose from."""
    if not is_coordinator(request.user):
        raise PermissionDenied
    course = theme = None
    bookings = None
    if slug := request.GET.get("course"):
        course = get_object_or_404(Event, slug=slug)
        bookings = Booking.objects.filter(session__event=course)
    elif slug := request.GET.get("theme"):
        theme = get_object_or_404(Theme, slug=slug)
        bookings = Booking.objects.filter(session__event__in=Event.objects.with_theme(theme))
    return render(
        request,
        "staff/evaluation_summaries.html",
        {
            "course": course,
            "theme": theme,
            "summary": evaluation_summary(bookings) if bookings is not None else None,
            "courses": Event.objects.order_by("title"),
            "themes": Theme.objects.order_by("title"),
            "nav": "reports",
        },
    )


@login_required
def refreshers(request):
    """Coordinators: who is due for a refresher within six weeks, or overdue, by organisation
    and sector."""
    if not is_coordinator(request.user):
        raise PermissionDenied
    rows = refreshers_due()
    by_organisation: dict[str, list] = {}
    by_sector: dict[str, dict[str, int]] = {}
    for row in rows:
        organisation = row.booking.person.organisation
        name = organisation.name if organisation else NOT_RECORDED
        sector = organisation.get_sector_display() if organisation else NOT_RECORDED
        by_organisation.setdefault(f"{name} ({sector})", []).append(row)
        counts = by_sector.setdefault(sector, {"due": 0, "overdue": 0})
        counts["overdue" if row.overdue else "due"] += 1
    return render(
        request,
        "staff/refreshers.html",
        {
            "by_organisation": sorted(by_organisation.items()),
            "by_sector": sorted(by_sector.items()),
            "total": len(rows),
            "nav": "reports",
        },
    )
