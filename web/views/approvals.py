"""A line manager's approve/decline page, opened from the link in their email (no account).

GET only shows the request and two buttons; each button POSTs (with CSRF), so a mail scanner or
link preview that fetches the link changes nothing. Whatever the link's state, the page says it:
waiting, already approved or declined, or expired. A wrong or altered link is a 404.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from booking import approval, services
from booking.models import Booking
from common.errors import DomainError, NotFound


@require_http_methods(["GET", "POST"])
def decide(request, pk: int, token: str):
    try:
        booking = approval.booking_for_link(pk, token)
    except NotFound:
        raise Http404 from None
    errors = []
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision in ("approve", "decline"):
            try:
                services.decide_approval(booking, approve=decision == "approve")
            except DomainError as error:
                errors.append(error.detail)
            else:
                return redirect(request.path)
        else:
            errors.append("Choose Approve or Decline.")
        booking.refresh_from_db()
    now = timezone.now()
    pending = booking.status == Booking.Status.PENDING_APPROVAL
    expired = pending and approval.link_expired(booking, now)
    status = 200
    if expired:
        status = 410
    elif errors:
        status = 409
    return render(
        request,
        "booking/approval.html",
        {
            "booking": booking,
            "session": booking.session,
            "person": booking.person,
            "pending": pending and not expired,
            "expired": expired,
            "expires_at": approval.link_expires_at(booking),
            "errors": errors,
        },
        status=status,
    )
