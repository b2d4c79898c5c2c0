"""The public catalogue: home, sessions (with filters), programmes, events and one session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Sector, User
from booking import rules
from booking.queries import (
    active_booking,
    sector_quotas_with_counts,
    sessions_with_availability,
    taken_by_sector,
    waitlist_position,
)
from events import services
from events.interest import bookable_sessions, interest_for_token
from events.models import Event, Interest, Programme, Session
from web.forms.bookings import BookingForm
from web.forms.catalogue import SessionFilterForm

SESSIONS_PER_PAGE = 20


def catalogue_sessions():
    """Published sessions with their event, programme, venue and availability (one query)."""
    return sessions_with_availability(
        Session.objects.published().select_related("event__programme", "venue")
    ).order_by("starts_at", "id")


def home(request):
    today = timezone.localdate()
    programmes = Programme.objects.published().exclude(ends_on__lt=today)
    sessions = catalogue_sessions().scheduled().not_ended()[:5]
    return render(
        request,
        "events/home.html",
        {"programmes": programmes, "sessions": sessions, "nav": "home"},
    )


def session_list(request):
    form = SessionFilterForm(request.GET or None)
    sessions = form.filter(catalogue_sessions())
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/session_list.html",
        {
            "form": form,
            "page": page,
            "sessions": page.object_list,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=1),
            "nav": "sessions",
        },
        status=400 if form.errors else 200,
    )


def programme_detail(request, slug: str):
    programme = get_object_or_404(Programme.objects.published(), slug=slug)
    events = programme.events.prefetch_related("themes")
    sessions = catalogue_sessions().filter(event__programme=programme).not_ended()
    return render(
        request,
        "events/programme_detail.html",
        {"programme": programme, "events": events, "sessions": sessions, "nav": "sessions"},
    )


def event_detail(request, slug: str):
    event = get_object_or_404(
        Event.objects.published().select_related("programme").prefetch_related("themes"),
        slug=slug,
    )
    sessions = catalogue_sessions().filter(event=event).not_ended()
    interested = (
        request.user.is_authenticated
        and Interest.objects.filter(person_id=request.user.pk, event=event).exists()
    )
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "sessions": sessions,
            "has_open": bookable_sessions(event).exists(),
            "interested": interested,
            "nav": "sessions",
        },
    )


@login_required
@require_POST
def interest(request, slug: str):
    """The course page's "Tell me when new dates are added" button, and the Remove buttons."""
    event = get_object_or_404(Event.objects.published(), slug=slug)
    if request.POST.get("action") == "remove":
        services.remove_interest(person=request.user, event=event)
        messages.success(
            request, f"You will no longer be emailed about new dates for {event.title}."
        )
    else:
        services.register_interest(person=request.user, event=event)
        messages.success(request, f"We will email you when new dates for {event.title} are added.")
    if request.POST.get("next") == "account":
        return redirect("accounts:profile")
    return redirect("events:event", event.slug)


def interest_link(request, token: str):
    """The remove link in a "new dates" email, signed in or not: the token names the interest.
    Opening it (GET) changes nothing, so a mail scanner cannot remove it; the button POSTs."""
    found = interest_for_token(token)
    if request.method == "POST":
        if found is not None:
            services.remove_interest(person=found.person, event=found.event)
        return render(request, "events/interest_removed.html", {"event": found and found.event})
    if found is None:
        return render(request, "events/interest_link_invalid.html", status=404)
    return render(request, "events/interest_remove.html", {"interest": found, "token": token})


def session_detail(request, pk: int):
    return render_session(request, pk)


def render_session(request, pk: int, *, form=None, errors=(), status: int = 200):
    """The session page; the booking view renders it again with the booking's errors."""
    session = get_object_or_404(
        catalogue_sessions().prefetch_related(
            "event__themes",
            Prefetch("trainers", queryset=User.objects.only("full_name", "email")),
        ),
        pk=pk,
    )
    booking = active_booking(session, request.user)
    if booking is not None:
        booking.waitlist_position = waitlist_position(booking)
    sector_quotas = []
    if session.sector_quotas:
        # Who holds which places, for the reserved places and for the viewer's own answer.
        session.taken_by_sector = taken_by_sector(session)
        sector_quotas = [
            quota | {"label": Sector(quota["sector"]).label}
            for quota in sector_quotas_with_counts(session)
        ]
    return render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "event": session.event,
            "booking": booking,
            "sector_quotas": sector_quotas,
            "quotas_apply": rules.quotas_apply(session, timezone.now()),
            "form": form or BookingForm(),
            "errors": list(errors),
            "nav": "sessions",
        },
        status=status,
    )
