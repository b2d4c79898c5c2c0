"""The coordinators' Manage pages: the programme, its courses and sessions, and people's places.

Each view finds what it shows, validates a plain form, calls one service and redirects with a
message; every rule (capacity, locks, who is told what) is the services'. Only coordinators
see these pages; anyone else gets a 404, as for a page that does not exist. Pages carry
personal data; ``convene.middleware`` tells browsers not to keep any page answered to a
signed-in person (``Cache-Control: no-store``).
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from icalendar import Calendar

from accounts.models import Sector
from accounts.queries import find_people
from accounts.rules import is_coordinator
from accounts.services import invite_person, set_external_trainer
from audit.models import AuditEvent
from backoffice.manage import forms
from booking import rules, services
from booking.messages import describe_changes
from booking.models import Booking
from booking.queries import (
    sector_quotas_with_counts,
    sessions_with_availability,
    with_waitlist_position,
)
from common.errors import DomainError, InvalidValue
from events.models import EvaluationQuestion, Event, Programme, Session, Theme, Venue
from events.queries import evaluation_questions as questions_for
from events.services import (
    EVENT_FIELDS,
    PROGRAMME_FIELDS,
    THEME_FIELDS,
    VENUE_FIELDS,
    add_evaluation_question,
    change_evaluation_question,
    create_session,
    duplicate_programme,
    duplicate_session,
    remove_evaluation_question,
    save_event,
    save_programme,
    save_theme,
    save_venue,
    set_programme_published,
    use_own_questions,
)


def coordinator_page(view):
    """Signed in, and a coordinator (else 404)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_coordinator(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _render(request, template, context=None, status=200):
    return render(
        request, f"manage/{template}", {"nav": "manage", **(context or {})}, status=status
    )


def _session_or_404(pk: int) -> Session:
    sessions = Session.objects.select_related("event__programme", "venue").prefetch_related(
        "trainers"
    )
    return get_object_or_404(sessions_with_availability(sessions), pk=pk)


def _show_errors(form, error: DomainError) -> None:
    """Put a service's refusal on the form: per field where it says which, else at the top."""
    fields = getattr(error, "errors", {}) if isinstance(error, InvalidValue) else {}
    placed = False
    for name, field_messages in fields.items():
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.detail)


def _save_form(request, form, record, *, save, done, template, heading, context=None):
    """The one shape of every "add or change" page: a valid POST saves through the service
    (its refusals shown on the form) and goes on to ``done(saved)``, a URL."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(record, by=request.user, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Saved: {saved}.")
            return redirect(done(saved))
    context = {"form": form, "heading": heading, "submit": "Save", **(context or {})}
    return _render(request, template, context)


# Sessions.


@coordinator_page
def home(request):
    now = timezone.now()
    show_past = request.GET.get("show") == "past"
    sessions = sessions_with_availability(
        Session.objects.select_related("event__programme", "venue")
    )
    if show_past:
        sessions = sessions.filter(ends_at__lte=now).order_by("-starts_at")[:100]
    else:
        sessions = sessions.filter(ends_at__gt=now).order_by("starts_at")
    return _render(request, "home.html", {"sessions": sessions, "show_past": show_past})


@coordinator_page
def session_detail(request, pk: int):
    session = _session_or_404(pk)
    bookings = Booking.objects.filter(session=session).select_related(
        "person__organisation", "cancelled_by", "attendance_marked_by"
    )
    confirmed = list(bookings.confirmed().order_by("person__full_name", "pk"))
    waitlist = with_waitlist_position(bookings.waitlist_order())
    offered = list(bookings.offered().order_by("offer_expires_at", "pk"))
    cancelled = list(bookings.filter(status=Booking.Status.CANCELLED).order_by("-cancelled_at"))
    booking_ids = [str(booking.pk) for booking in (*confirmed, *offered, *waitlist, *cancelled)]
    history = list(
        AuditEvent.objects.filter(
            Q(target_type="events.session", target_id=str(session.pk))
            | Q(target_type="booking.booking", target_id__in=booking_ids)
        )
        .select_related("actor")
        .order_by("-at", "-id")[:100]
    )
    excused = {
        int(target_id)
        for target_id in AuditEvent.objects.filter(
            action="booking.late_cancellation_excused",
            target_type="booking.booking",
            target_id__in=[str(booking.pk) for booking in cancelled],
        ).values_list("target_id", flat=True)
    }
    people = {
        str(booking.pk): booking.person for booking in (*confirmed, *offered, *waitlist, *cancelled)
    }
    now = timezone.now()
    attendance = {
        value: sum(1 for booking in confirmed if booking.attendance == value)
        for value in Booking.Attendance.values
    }
    context = {
        "session": session,
        "confirmed": confirmed,
        "waitlist": waitlist,
        "offered": offered,
        "sector_quotas": [
            quota | {"label": Sector(quota["sector"]).label}
            for quota in sector_quotas_with_counts(session)
        ],
        "quotas_released": not rules.quotas_apply(session, now),
        "cancelled": cancelled,
        "excused": excused,
        "history": [(event, describe_event(event, people)) for event in history],
        "attendance": attendance,
        "upcoming": now < session.starts_at and not session.is_cancelled,
        "trainers": list(session.trainers.all()),
    }
    return _render(request, "session.html", context)


# What the audit records say, for the session page's history.
HISTORY = {
    "session.created": "Session created",
    "session.changed": "Changed: {fields}",
    "session.capacity_changed": "Capacity changed from {old} to {new}",
    "session.cancelled": "Session cancelled ({bookings} places cancelled)",
    "session.messaged": "Message sent to {recipients} people",
    "session.remaining_marked_absent": "{count} people marked absent",
    "register.exported": "Register downloaded ({format})",
    "booking.made_for": "{person} booked in by a coordinator ({status})",
    "booking.cancelled": "{person}'s place cancelled by a coordinator",
    "booking.transferred": "{person}'s place passed to a colleague",
    "booking.late_cancellation_excused": "{person}'s late cancellation excused",
    "booking.offer_accepted": "{person}'s offered place accepted by a coordinator",
    "booking.offer_declined": "{person}'s offered place declined by a coordinator",
    "booking.attendance_marked": "{person} marked {attendance}",
}


def describe_event(event: AuditEvent, people: dict) -> str:
    """An audit record in words (the records hold ids and counts only)."""
    data = dict(event.data)
    if "fields" in data:
        data["fields"] = ", ".join(name.replace("_", " ") for name in data["fields"])
    data["person"] = people.get(event.target_id, "Someone")
    try:
        return HISTORY[event.action].format(**data)
    except (KeyError, IndexError):
        return event.action


@coordinator_page
def session_create(request):
    initial = {}
    if event_id := request.GET.get("event", "").strip():
        initial["event"] = event_id if event_id.isdigit() else None
    form = forms.SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = create_session(
                event=form.cleaned_data["event"], by=request.user, **form.session_fields()
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Session created: {session}.")
            return redirect("manage:session", pk=session.pk)
    return _render(request, "session_form.html", {"form": form, "session": None})


@coordinator_page
def session_edit(request, pk: int):
    """Edit a session; when people are booked and would be told, show what they would be sent
    first (the check page), and change it only once the coordinator confirms."""
    session = _session_or_404(pk)
    if session.is_cancelled:
        messages.error(request, "This session is cancelled, so it can no longer be changed.")
        return redirect("manage:session", pk=session.pk)
    form = forms.SessionForm(request.POST or None, initial=forms.SessionForm.initial_for(session))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect("manage:session", pk=session.pk)
        try:
            if "confirm" in request.POST:
                services.update_session(session, by=request.user, **changes)
            else:
                preview = services.preview_session_change(session, by=request.user, **changes)
                if preview.messages:
                    return _render(
                        request,
                        "session_preview.html",
                        {
                            "session": session,
                            "preview": preview,
                            # Coordinators see every change, joining link included.
                            "changes": describe_changes(preview.changes, show_join_url=True),
                            "previews": [
                                (booking, message, calendar_summary(message.calendar))
                                for booking, message in preview.messages
                            ],
                            "posted": _posted_fields(request),
                        },
                    )
                services.update_session(session, by=request.user, **changes)
        except DomainError as error:
            _show_errors(form, error)
        else:
            told = " Everyone booked is being told." if session_changed_for_people(changes) else ""
            messages.success(request, f"The session is changed.{told}")
            return redirect("manage:session", pk=session.pk)
    return _render(request, "session_form.html", {"form": form, "session": session})


def session_changed_for_people(changes: dict) -> bool:
    return any(name in services.SIGNIFICANT_FIELDS for name in changes)


def _posted_fields(request) -> list[tuple[str, str]]:
    """The edit form's fields, carried through the check page as hidden inputs."""
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirm")
        for value in values
    ]


def calendar_summary(ics: str) -> list[tuple[str, str]]:
    """The lines of a calendar invitation a person's calendar acts on, in words."""
    if not ics:
        return []
    calendar = Calendar.from_ical(ics)
    rows = [
        (
            "Calendar action",
            "Update the event"
            if calendar.get("METHOD") == "REQUEST"
            else str(calendar.get("METHOD")),
        )
    ]
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        rows += [
            ("Event", str(event.get("SUMMARY"))),
            ("Starts", f"{timezone.localtime(start):%A %-d %B %Y, %H:%M}"),
            ("Ends", f"{timezone.localtime(end):%A %-d %B %Y, %H:%M}"),
            ("Location", str(event.get("LOCATION", ""))),
            ("Version (SEQUENCE)", str(event.get("SEQUENCE"))),
        ]
    return rows


@coordinator_page
def session_capacity(request, pk: int):
    session = _session_or_404(pk)
    form = forms.CapacityForm(request.POST or None, initial={"capacity": session.capacity})
    if request.method == "POST" and form.is_valid():
        waiting_before = session.waitlist_length
        try:
            services.update_session(
                session, by=request.user, capacity=form.cleaned_data["capacity"]
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            session = _session_or_404(pk)
            promoted = waiting_before - session.waitlist_length
            text = f"Capacity is now {session.capacity}."
            if promoted > 0:
                given = "offered" if rules.offers_apply(session, timezone.now()) else "given"
                text += (
                    f" {promoted} {'person was' if promoted == 1 else 'people were'} {given} a"
                    " place from the waitlist and are being emailed."
                )
            messages.success(request, text)
            return redirect("manage:session", pk=session.pk)
    return _render(
        request,
        "capacity.html",
        {
            "form": form,
            "session": session,
            "heading": "Change capacity",
            "submit": "Change capacity",
        },
    )


@coordinator_page
def session_allocation(request, pk: int):
    """Offers of freed places and places reserved per sector (docs/fair-allocation.md)."""
    session = _session_or_404(pk)
    if session.is_cancelled:
        messages.error(request, "This session is cancelled, so it can no longer be changed.")
        return redirect("manage:session", pk=session.pk)
    form = forms.AllocationForm(
        request.POST or None, initial=forms.AllocationForm.initial_for(session)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(session, by=request.user, **form.changes())
        except DomainError as error:
            quota_problems = getattr(error, "errors", {}).get("sector_quotas")
            if quota_problems:  # the boxes together are wrong, not one of them
                for problem in quota_problems:
                    form.add_error(None, problem)
            else:
                _show_errors(form, error)
        else:
            messages.success(request, "Offers and reserved places are saved.")
            return redirect("manage:session", pk=session.pk)
    return _render(
        request,
        "allocation.html",
        {
            "form": form,
            "session": session,
            "heading": "Offers and reserved places",
            "submit": "Save",
        },
    )


@coordinator_page
def session_cancel(request, pk: int):
    session = _session_or_404(pk)
    if session.is_cancelled:
        messages.error(request, "This session is already cancelled.")
        return redirect("manage:session", pk=session.pk)
    form = forms.CancelSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_session(session, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request, "The session is cancelled. Everyone booked or waiting is being told."
            )
            return redirect("manage:session", pk=session.pk)
    return _render(
        request,
        "cancel_session.html",
        {
            "form": form,
            "session": session,
            "heading": "Cancel the session",
            "submit": "Cancel the session",
            "danger": True,
        },
    )


@coordinator_page
def session_duplicate(request, pk: int):
    session = _session_or_404(pk)
    week = timezone.timedelta(weeks=1)
    form = forms.DuplicateSessionForm(
        request.POST or None,
        initial={"starts_at": session.starts_at + week, "ends_at": session.ends_at + week},
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = duplicate_session(session, by=request.user, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Session created: {copy}.")
            return redirect("manage:session", pk=copy.pk)
    return _render(
        request,
        "duplicate_session.html",
        {
            "form": form,
            "session": session,
            "heading": "Duplicate the session",
            "submit": "Create the copy",
        },
    )


@coordinator_page
def session_message(request, pk: int):
    session = _session_or_404(pk)
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent_to = services.message_people(session, by=request.user, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                f"Your message is being sent to {sent_to} "
                f"{'person' if sent_to == 1 else 'people'}.",
            )
            return redirect("manage:session", pk=session.pk)
    return _render(
        request,
        "message.html",
        {
            "form": form,
            "session": session,
            "heading": "Message people booked",
            "submit": "Send the message",
        },
    )


# People's places.


@coordinator_page
def book_someone_in(request, pk: int):
    session = _session_or_404(pk)
    find = forms.FindPersonForm(request.GET or None)
    found = None
    if find.is_valid() and find.cleaned_data["q"]:
        found = list(find_people(find.cleaned_data["q"]))
    form = forms.BookSomeoneInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # A new person's account is kept only if the booking is made.
            with transaction.atomic():
                person = invite_person(
                    form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    by=request.user,
                )
                booking = services.book_for_person(
                    session,
                    person=person,
                    by=request.user,
                    access_needs=form.cleaned_data["access_needs"],
                )
        except DomainError as error:
            _show_errors(form, error)
        else:
            where = (
                "a confirmed place"
                if booking.status == Booking.Status.CONFIRMED
                else f"place {booking.waitlist_position} on the waitlist"
            )
            messages.success(request, f"{person} has {where} and is being emailed.")
            return redirect("manage:session", pk=session.pk)
    context = {
        "form": form,
        "find": find,
        "found": found,
        "session": session,
        "heading": "Book someone in",
        "submit": "Book in",
    }
    return _render(request, "book_someone_in.html", context)


def _booking_or_404(pk: int) -> Booking:
    return get_object_or_404(Booking.objects.select_related("session__event", "person"), pk=pk)


@coordinator_page
def booking_transfer(request, pk: int):
    booking = _booking_or_404(pk)
    session = booking.session
    if not rules.may_transfer(booking, timezone.now()):
        messages.error(request, "This place can no longer be passed to someone else.")
        return redirect("manage:session", pk=session.pk)
    form = forms.PersonByEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                colleague = invite_person(
                    form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    by=request.user,
                )
                services.transfer_booking(booking, to_person=colleague, by=request.user)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                f"The place has passed from {booking.person} to {colleague}; "
                "both are being emailed.",
            )
            return redirect("manage:session", pk=session.pk)
    return _render(
        request,
        "transfer.html",
        {
            "form": form,
            "booking": booking,
            "session": session,
            "heading": f"Pass {booking.person}'s place to a colleague",
            "submit": "Pass the place on",
        },
    )


@coordinator_page
def booking_cancel(request, pk: int):
    booking = _booking_or_404(pk)
    session = booking.session
    if not rules.may_still_cancel(booking, timezone.now()):
        messages.error(request, "This place can no longer be cancelled.")
        return redirect("manage:session", pk=session.pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_booking(booking, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request, f"{booking.person}'s place is cancelled; they are being emailed."
            )
            return redirect("manage:session", pk=session.pk)
    return _render(
        request,
        "cancel_booking.html",
        {
            "form": form,
            "booking": booking,
            "session": session,
            "heading": f"Cancel {booking.person}'s place",
            "submit": "Cancel the place",
            "danger": True,
            "late_hours": int(settings.LATE_CANCELLATION_PERIOD.total_seconds() // 3600),
        },
    )


@require_POST
@coordinator_page
def booking_excuse(request, pk: int):
    booking = _booking_or_404(pk)
    try:
        services.excuse_late_cancellation(booking, by=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{booking.person}'s cancellation is no longer counted as late.")
    return redirect(reverse("manage:session", args=[booking.session_id]) + "#cancelled")


# Trainers.


@coordinator_page
def session_trainers(request, pk: int):
    session = _session_or_404(pk)
    trainers = list(session.trainers.all())
    form = forms.TrainerForm(request.POST or None)
    if request.method == "POST" and "remove" in request.POST:
        keep = [trainer for trainer in trainers if str(trainer.pk) != request.POST["remove"]]
        try:
            services.update_session(session, by=request.user, trainers=keep)
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, "The trainer is no longer assigned to this session.")
        return redirect("manage:session_trainers", pk=session.pk)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                trainer = invite_person(
                    form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    by=request.user,
                )
                set_external_trainer(
                    trainer, external=form.cleaned_data["external"], by=request.user
                )
                services.update_session(session, by=request.user, trainers=[*trainers, trainer])
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{trainer} is assigned to this session.")
            return redirect("manage:session_trainers", pk=session.pk)
    return _render(
        request,
        "trainers.html",
        {
            "form": form,
            "session": session,
            "trainers": trainers,
            "heading": "Assign trainers",
            "submit": "Assign the trainer",
        },
    )


# Programmes and courses.


@coordinator_page
def programmes(request):
    rows = Programme.objects.annotate(courses=Count("events", distinct=True)).order_by(
        "-starts_on", "title"
    )
    return _render(request, "programmes.html", {"programmes": rows})


@coordinator_page
def programme_detail(request, pk: int):
    programme = get_object_or_404(Programme, pk=pk)
    events = sessions_count(programme.events.all())
    return _render(request, "programme.html", {"programme": programme, "events": events})


def sessions_count(events):
    return events.annotate(session_count=Count("sessions", distinct=True)).order_by("title")


@coordinator_page
def programme_form(request, pk: int | None = None):
    programme = get_object_or_404(Programme, pk=pk) if pk else None
    initial = {name: getattr(programme, name) for name in PROGRAMME_FIELDS} if programme else {}
    return _save_form(
        request,
        forms.ProgrammeForm(request.POST or None, initial=initial),
        programme,
        save=save_programme,
        done=lambda saved: reverse("manage:programme", args=[saved.pk]),
        template="programme_form.html",
        heading=f"Change {programme}" if programme else "Add a programme",
        context={"programme": programme},
    )


@require_POST
@coordinator_page
def programme_publish(request, pk: int):
    programme = get_object_or_404(Programme, pk=pk)
    publish = request.POST.get("published") == "yes"
    set_programme_published(programme, published=publish, by=request.user)
    messages.success(
        request,
        f"{programme} is published: its sessions are on the site."
        if publish
        else f"{programme} is no longer published.",
    )
    return redirect("manage:programme", pk=programme.pk)


@coordinator_page
def programme_duplicate(request, pk: int):
    programme = get_object_or_404(Programme, pk=pk)
    form = forms.DuplicateProgrammeForm(
        request.POST or None, initial={"title": f"{programme.title} (copy)"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = duplicate_programme(programme, by=request.user, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Created {copy}. It is not published yet.")
            return redirect("manage:programme", pk=copy.pk)
    return _render(
        request,
        "programme_form.html",
        {
            "form": form,
            "programme": programme,
            "heading": f"Duplicate {programme} to new dates",
            "submit": "Create the copy",
        },
    )


@coordinator_page
def event_form(request, pk: int | None = None):
    event = get_object_or_404(Event, pk=pk) if pk else None
    if event:
        initial = {name: getattr(event, name) for name in EVENT_FIELDS} | {
            "programme": event.programme_id,
            "themes": list(event.themes.all()),
        }
    else:
        initial = {"programme": request.GET.get("programme", "").strip() or None}
    return _save_form(
        request,
        forms.EventForm(request.POST or None, initial=initial),
        event,
        save=save_event,
        done=lambda saved: reverse("manage:programme", args=[saved.programme_id]),
        template="event_form.html",
        heading=f"Change {event}" if event else "Add a course",
        context={"event": event},
    )


# Venues.


@coordinator_page
def venues(request):
    return _render(request, "venues.html", {"venues": Venue.objects.all()})


@coordinator_page
def venue_form(request, pk: int | None = None):
    venue = get_object_or_404(Venue, pk=pk) if pk else None
    initial = {name: getattr(venue, name) for name in VENUE_FIELDS} if venue else {}
    return _save_form(
        request,
        forms.VenueForm(request.POST or None, initial=initial),
        venue,
        save=save_venue,
        done=lambda saved: reverse("manage:venues"),
        template="venue_form.html",
        heading=f"Change {venue}" if venue else "Add a venue",
    )


# Evaluation questions.


@coordinator_page
def evaluation_questions(request, pk: int | None = None):
    """A course's evaluation questions (``pk`` None: the partnership's defaults).

    One page of plain forms: reword or remove each question, add one at the end. A course that
    asks the defaults shows them, with a button that gives it its own copy to change.
    """
    event = get_object_or_404(Event, pk=pk) if pk else None
    own = EvaluationQuestion.objects.filter(event=event)
    action = request.POST.get("action")
    add_form = forms.EvaluationQuestionForm(request.POST if action == "add" else None)
    errors = []
    if request.method == "POST":
        try:
            if action == "own" and event is not None:
                use_own_questions(event, by=request.user)
                messages.success(request, "This course now has its own questions.")
                return redirect(request.path)
            if action == "add" and add_form.is_valid():
                add_evaluation_question(event, by=request.user, **add_form.cleaned_data)
                messages.success(request, "Question added.")
                return redirect(request.path)
            if action in ("change", "remove"):
                question = get_object_or_404(own, pk=request.POST.get("question"))
                wording = forms.QuestionWordingForm(request.POST)
                if action == "remove":
                    remove_evaluation_question(question, by=request.user)
                    messages.success(request, "Question removed.")
                    return redirect(request.path)
                if wording.is_valid():
                    change_evaluation_question(
                        question, text=wording.cleaned_data["text"], by=request.user
                    )
                    messages.success(request, "Question changed.")
                    return redirect(request.path)
                errors.append("Enter the question")
        except DomainError as error:
            errors.append(error.detail)
    uses_defaults = event is not None and not own.exists()
    return _render(
        request,
        "evaluation_questions.html",
        {
            "event": event,
            "questions": questions_for(event),
            "uses_defaults": uses_defaults,
            "form": add_form,
            "errors": errors,
        },
        status=400 if errors or add_form.errors else 200,
    )


# Themes.


@coordinator_page
def themes(request):
    return _render(request, "themes.html", {"themes": Theme.objects.all()})


@coordinator_page
def theme_form(request, pk: int | None = None):
    theme = get_object_or_404(Theme, pk=pk) if pk else None
    initial = {name: getattr(theme, name) for name in THEME_FIELDS} if theme else {}
    return _save_form(
        request,
        forms.ThemeForm(request.POST or None, initial=initial),
        theme,
        save=save_theme,
        done=lambda saved: reverse("manage:themes"),
        template="theme_form.html",
        heading=f"Change {theme}" if theme else "Add a theme",
    )
