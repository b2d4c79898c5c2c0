"""After the session: check in with a code, evaluate, and the practitioner's training record.

Each page shows personal data: the site-wide ``PrivatePagesMiddleware`` says ``no-store``
for everything answered to a signed-in person. Every write is one booking service call; its
refusal is shown on the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from booking import rules, services
from booking.models import Booking
from booking.queries import evaluation_form, training_record
from booking.records import training_record_csv, training_record_pdf
from common.errors import DomainError, InvalidValue
from common.http import download
from events.models import Session
from web.forms.after_session import CheckInForm, EvaluationForm


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, pk: int):
    """The page a QR code opens (code filled in), or where people type the code."""
    session = get_object_or_404(Session.objects.select_related("event", "venue"), pk=pk)
    booking = Booking.objects.confirmed().filter(session=session, person=request.user).first()
    if booking and booking.attendance == Booking.Attendance.ATTENDED:
        return _checked_in(request, booking)
    errors = []
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                booking = services.check_in(
                    session, person=request.user, code=form.cleaned_data["code"]
                )
            except DomainError as error:
                form.add_error("code" if error.code == "invalid_code" else None, error.detail)
            else:
                return _checked_in(request, booking)
    else:
        form = CheckInForm(initial={"code": request.GET.get("code", "")[:32]})
    valid_from, valid_until = rules.check_in_window(session)
    return render(
        request,
        "booking/check_in.html",
        {
            "session": session,
            "form": form,
            "errors": errors,
            "booking": booking,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "nav": "bookings",
        },
        status=400 if form.errors else 200,
    )


def _checked_in(request, booking: Booking):
    return render(
        request,
        "booking/checked_in.html",
        {"booking": booking, "session": booking.session, "nav": "bookings"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluate(request, pk: int):
    booking = get_object_or_404(
        Booking.objects.select_related("session__event", "session__venue"),
        pk=pk,
        person=request.user,
    )
    try:
        evaluation = evaluation_form(booking)
    except DomainError as error:
        messages.info(request, error.detail)
        return redirect("booking:booking", booking.pk)
    form = EvaluationForm(request.POST or None, questions=evaluation.questions)
    if request.method == "POST" and evaluation.evaluation is None and form.is_valid():
        try:
            services.submit_evaluation(booking, by=request.user, answers=form.answers())
        except InvalidValue as error:
            form.add_service_errors(error.errors)
        except DomainError as error:
            messages.info(request, error.detail)
            return redirect("booking:evaluate", booking.pk)
        else:
            messages.success(request, "Thank you. Your evaluation has been sent.")
            return redirect("booking:evaluate", booking.pk)
    return render(
        request,
        "booking/evaluation.html",
        {
            "booking": booking,
            "session": booking.session,
            "evaluation": evaluation,
            "form": form,
            "answers": _answers(evaluation),
            "certificate_available": rules.certificate_unlocked(booking),
            "nav": "bookings",
        },
        status=400 if form.errors else 200,
    )


def _answers(evaluation) -> list[tuple[str, str]]:
    if evaluation.evaluation is None:
        return []
    given = {answer.question_id: answer for answer in evaluation.evaluation.answers.all()}
    rows = []
    for question in evaluation.questions:
        answer = given.get(question.pk)
        if answer is None:
            rows.append((question.text, "Not answered"))
        else:
            rows.append((question.text, answer.text or f"{answer.rating} out of 5"))
    return rows


@login_required
def training_record_page(request):
    rows = training_record(request.user)
    return render(
        request,
        "booking/training_record.html",
        {
            "rows": rows,
            "total_hours": sum(row.hours for row in rows),
            "today": timezone.localdate(),
            "nav": "training_record",
        },
    )


@login_required
def training_record_download(request, file_format: str):
    rows = training_record(request.user)
    if file_format == "csv":
        content, content_type = training_record_csv(rows), "text/csv; charset=utf-8"
    else:
        content = training_record_pdf(rows, person=request.user)
        content_type = "application/pdf"
    return download(content, content_type=content_type, filename=f"training-record.{file_format}")
