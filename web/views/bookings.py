"""Book, join the waitlist, see and cancel bookings: each action is one booking service call.

Every POST ends in a redirect (POST-redirect-GET), so reloading or going back never posts
again; a repeated "Book a place" is refused by the service as already_booked and shown as the
booking the person already holds.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.services import needs_profile
from booking import rules, services
from booking.errors import AlreadyBooked, AlreadyCancelled, ScheduleConflict
from booking.models import Booking
from booking.offer_links import booking_for_offer_token
from booking.queries import active_booking, bookings_for, waitlist_position, with_waitlist_position
from common.errors import DomainError
from events.models import Session
from web import throttling
from web.forms.bookings import BookingForm
from web.views.catalogue import render_session


@require_POST
def book(request, pk: int):
    session = get_object_or_404(Session.objects.published(), pk=pk)
    if not request.user.is_authenticated:
        return redirect(_sign_in_url(session.get_absolute_url()))
    if needs_profile(request.user):
        return redirect(
            reverse("accounts:details") + "?" + urlencode({"next": session.get_absolute_url()})
        )
    form = BookingForm(request.POST)
    if not form.is_valid():
        return render_session(request, pk, form=form, status=400)
    if not throttling.allow(
        "web_booking",
        str(request.user.pk),
        limit=settings.WEB_BOOKINGS_PER_PERSON,
        window=settings.WEB_BOOKING_RATE_WINDOW,
    ):
        minutes = int(settings.WEB_BOOKING_RATE_WINDOW.total_seconds() // 60)
        return render_session(
            request,
            pk,
            form=form,
            errors=[
                f"You have tried to book too many times. Wait {minutes} minutes, then try again."
            ],
            status=429,
        )
    try:
        booking = services.book_session(
            session,
            person=request.user,
            source=Booking.Source.WEB,
            access_needs=form.cleaned_data["access_needs"],
            allow_conflict=form.cleaned_data["allow_conflict"],
            manager_email=form.cleaned_data["manager_email"],
        )
    except ScheduleConflict as clash:
        # Ask first: the same form again, with "Book anyway" and the other booking named.
        return render(
            request,
            "booking/conflict.html",
            {
                "session": session,
                "form": form,
                "conflicting": clash.conflicting,
                "nav": "sessions",
            },
            status=409,
        )
    except AlreadyBooked:
        existing = active_booking(session, request.user)
        if existing is None:  # cancelled in the meantime, in another tab
            return redirect(session)
        messages.info(request, "You already have a booking for this session. Here it is.")
        return redirect("booking:booking", existing.pk)
    except DomainError as error:
        return render_session(request, pk, form=form, errors=[error.detail], status=error.status)
    # The booking page itself is the confirmation (a panel, or the waitlist position).
    return redirect("booking:booking", booking.pk)


@login_required
def my_bookings(request):
    now = timezone.now()
    bookings = bookings_for(request.user)
    upcoming = with_waitlist_position(
        bookings.active().filter(session__ends_at__gt=now).order_by("session__starts_at", "id")
    )
    past = list(bookings.filter(session__ends_at__lte=now).exclude(status=Booking.Status.CANCELLED))
    cancelled = list(bookings.filter(session__ends_at__gt=now, status=Booking.Status.CANCELLED))
    return render(
        request,
        "booking/my_bookings.html",
        {"upcoming": upcoming, "past": past, "cancelled": cancelled, "nav": "bookings"},
    )


@login_required
def booking_detail(request, pk: int):
    booking = _own_booking(request, pk)
    booking.waitlist_position = waitlist_position(booking)
    return render(
        request,
        "booking/booking_detail.html",
        {
            "booking": booking,
            "session": booking.session,
            "can_cancel": rules.may_still_cancel(booking, timezone.now()),
            "offer_open": rules.offer_is_open(booking, timezone.now()),
            "show_join_link": rules.holder_may_see_join_url(booking),
            "nav": "bookings",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    booking = _own_booking(request, pk)
    if booking.status == Booking.Status.CANCELLED:
        messages.info(request, "This booking is already cancelled.")
        return redirect("booking:booking", booking.pk)
    errors = []
    if request.method == "POST":
        try:
            services.cancel_booking(booking, by=request.user)
        except AlreadyCancelled:
            messages.info(request, "This booking is already cancelled.")
            return redirect("booking:booking", booking.pk)
        except DomainError as error:
            errors.append(error.detail)
        else:
            messages.success(
                request, f"Your booking for {booking.session.event.title} is cancelled."
            )
            return redirect("booking:my_bookings")
    return render(
        request,
        "booking/cancel.html",
        {"booking": booking, "session": booking.session, "errors": errors, "nav": "bookings"},
        status=409 if errors else 200,
    )


@login_required
@require_POST
def answer_offer(request, pk: int, answer: str):
    """Accept or decline the place offered on the booking page."""
    booking = _own_booking(request, pk)
    _answer(request, booking, answer, by=request.user)
    return redirect("booking:booking", booking.pk)


@never_cache  # shows a person's booking to whoever holds the link: no cache may keep it
@require_http_methods(["GET", "POST"])
def offer_link(request, token: str, answer: str):
    """The page an offer email's link opens, signed in or not: the token names the booking.

    Opening it (GET) changes nothing, so a mail scanner that follows links cannot accept or
    decline for the person; the page's button POSTs.
    """
    booking = booking_for_offer_token(token)
    if booking is None:
        return render(request, "booking/offer_link_invalid.html", status=404)
    if request.method == "POST":
        _answer(request, booking, answer, by=booking.person)
        return redirect("booking:offer", token, answer)
    now = timezone.now()
    return render(
        request,
        "booking/offer_answer.html",
        {
            "booking": booking,
            "session": booking.session,
            "answer": answer,
            "open": rules.offer_is_open(booking, now),
            "expired": rules.offer_has_expired(booking, now),
            "token": token,
        },
    )


ANSWERS = {"accept": services.accept_offer, "decline": services.decline_offer}


def _answer(request, booking: Booking, answer: str, *, by) -> bool:
    """Call the booking service for ``answer``; say what happened as a message."""
    try:
        ANSWERS[answer](booking, by=by)
    except DomainError as error:
        messages.error(request, error.detail)
        return False
    title = booking.session.event.title
    if answer == "accept":
        messages.success(request, f"Your place at {title} is confirmed.")
    else:
        messages.success(request, f"You have declined the place at {title}.")
    return True


def _own_booking(request, pk: int) -> Booking:
    """The signed-in person's booking; anyone else's is a 404, as if it did not exist."""
    return get_object_or_404(
        Booking.objects.select_related("session__event__programme", "session__venue"),
        pk=pk,
        person=request.user,
    )


def _sign_in_url(next_url: str) -> str:
    return reverse("accounts:sign_in") + "?" + urlencode({"next": next_url})
