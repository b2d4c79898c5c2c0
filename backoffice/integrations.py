"""Coordinators' integration pages in the Manage area: webhook endpoints with their recent
deliveries (anyone else gets a 404, as for every Manage page).

Each POST calls one webhooks service and redirects; a new endpoint's secret is shown once, on
the page the redirect lands on, and then only its existence.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.forms import WebhookForm
from backoffice.manage.views import coordinator_page
from booking import services as booking_services
from booking.models import Booking
from common.errors import DomainError
from webhooks import services as webhook_services
from webhooks.models import Attempt, Endpoint

RECENT_ATTEMPTS = 10
SHOW_ONCE = "webhooks:new-secret"  # the session key that holds a new secret until shown


@coordinator_page
@require_http_methods(["GET", "POST"])
def webhooks(request):
    form = WebhookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint = webhook_services.create_endpoint(by=request.user, **form.cleaned_data)
            except DomainError as error:
                for field, problems in getattr(error, "errors", {}).items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                if not form.errors:
                    form.add_error(None, error.detail)
            else:
                request.session[SHOW_ONCE] = {"id": endpoint.pk, "secret": endpoint.secret}
                messages.success(request, f"Webhook endpoint added: {endpoint.url}")
                return redirect("manage:webhooks")
        status = 400
    new_secret = request.session.pop(SHOW_ONCE, None)
    endpoints = Endpoint.objects.order_by("created_at", "id")
    attempts = {
        endpoint.pk: list(
            Attempt.objects.filter(delivery__endpoint=endpoint)
            .select_related("delivery__message")
            .order_by("-attempted_at", "-id")[:RECENT_ATTEMPTS]
        )
        for endpoint in endpoints
    }
    rows = [(endpoint, attempts[endpoint.pk]) for endpoint in endpoints]
    return render(
        request,
        "manage/webhooks.html",
        {"form": form, "rows": rows, "new_secret": new_secret, "nav": "manage"},
        status=status,
    )


@coordinator_page
@require_POST
def delete_webhook(request, pk: int):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    webhook_services.delete_endpoint(endpoint, by=request.user)
    messages.success(request, f"Webhook endpoint removed: {endpoint.url}")
    return redirect("manage:webhooks")


@coordinator_page
@require_POST
def enable_webhook(request, pk: int):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    webhook_services.enable_endpoint(endpoint, by=request.user)
    messages.success(request, f"Webhook endpoint switched on again: {endpoint.url}")
    return redirect("manage:webhooks")


# Line-manager approval: requests still waiting, decided here on the manager's behalf.


@coordinator_page
def approvals(request):
    pending = (
        Booking.objects.pending_approval()
        .filter(session__ends_at__gt=timezone.now())
        .select_related("person__organisation", "session__event")
        .order_by("session__starts_at", "created_at", "pk")
    )
    return render(request, "manage/approvals.html", {"pending": pending, "nav": "manage"})


@coordinator_page
@require_POST
def decide_approval(request, pk: int):
    booking = get_object_or_404(Booking.objects.select_related("person", "session__event"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, "Choose Approve or Decline.")
        return redirect("manage:approvals")
    try:
        booking = booking_services.decide_approval(
            booking, approve=decision == "approve", by=request.user
        )
    except DomainError as error:
        messages.error(request, f"{booking.person}: {error.detail}")
    else:
        outcome = {
            Booking.Status.CONFIRMED: "approved: they have a place",
            Booking.Status.WAITLISTED: "approved: they are on the waitlist",
        }.get(booking.status, "declined")
        messages.success(request, f"{booking.person}, {booking.session.event.title}: {outcome}.")
    return redirect("manage:approvals")
