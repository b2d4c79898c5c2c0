"""The person's own data protection pages: see and download their data, delete their account."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from booking.models import Booking
from common.http import json_download
from privacy.services import erase_person, export_personal_data, personal_data, retention_policy


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice, with the retention periods this deployment is configured for."""
    return render(request, "pages/privacy.html", {"retention": retention_policy()})


@require_GET
@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """A readable summary of what is held, with the full download a click away."""
    return render(request, "accounts/privacy/data.html", {"data": personal_data(request.user)})


@require_GET
@never_cache
@login_required
def download_my_data(request: HttpRequest) -> HttpResponse:
    return json_download(
        export_personal_data(request.user, by=request.user), filename="my-data.json"
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Ask to confirm, then erase: future bookings cancelled, the rest anonymised."""
    person = request.user
    future = Booking.objects.active().filter(person=person, session__starts_at__gt=timezone.now())
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            erase_person(person, by=person)
            logout(request)
            return redirect("privacy:deleted")
        error = "Tick the box to confirm that you want to delete your account."
    return render(
        request,
        "accounts/privacy/delete.html",
        {"future_bookings": future.select_related("session__event"), "error": error},
        status=400 if error else 200,
    )


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy/deleted.html")
