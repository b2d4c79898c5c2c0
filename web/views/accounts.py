"""Passwordless sign-in, first-time details, the person's account and calendar link.

A sign-in link is emailed (django-sesame token: signed, short-lived, bound to the person's
last sign-in so it works once). Following it shows a page with a "Sign in" button rather than
signing in at once: mail scanners on work laptops open links before people do, and would use
up a single-use link. Asking for a link answers the same whether or not the address is known.
"""

import ipaddress
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from sesame.utils import get_token, get_user

from accounts import services
from accounts.messages import send_sign_in_link, sign_in_link
from web import throttling
from web.forms.accounts import ProfileForm, SignInForm, SignInLinkForm


def safe_next(request, candidate: str | None, default: str = "") -> str:
    """The local address to go to after signing in; never another site (no open redirect)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("booking:my_bookings")


@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    status = 200
    if form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if _may_send_link(request, email):
            user = services.user_for_sign_in(email)
            if user is not None:
                send_sign_in_link(user=user, next_url=next_url)
                if _mail_stays_on_this_machine(request):
                    # Only who and where to: the link itself is made when the page shows it.
                    request.session["local_sign_in"] = [user.pk, next_url]
            request.session["sign_in_email"] = email
            return redirect("accounts:check_email")
        minutes = int(settings.SIGN_IN_RATE_WINDOW.total_seconds() // 60)
        form.add_error(
            "email",
            f"You have asked for too many sign-in links. Wait {minutes} minutes, then try again",
        )
        status = 429
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "next": next_url, "nav": "sign_in"},
        status=status,
    )


@never_cache
def check_email(request):
    local = request.session.pop("local_sign_in", None)
    local_link = None
    if local and _mail_stays_on_this_machine(request):
        user = services.user_who_may_sign_in(local[0])
        if user is not None:
            local_link = sign_in_link(next_url=local[1], token=get_token(user))
    return render(
        request,
        "accounts/check_email.html",
        {
            "email": request.session.get("sign_in_email"),
            "minutes": int(settings.SESAME_MAX_AGE.total_seconds() // 60),
            "local_link": local_link,
            "nav": "sign_in",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link_page(request):
    data = request.POST if request.method == "POST" else request.GET
    form = SignInLinkForm({"token": data.get("token", ""), "next": data.get("next", "")})
    user = None
    if form.is_valid():
        # Checking the link on GET leaves it usable; only the POST below signs in.
        user = get_user(form.cleaned_data["token"], update_last_login=False)
    if user is None:
        return render(request, "accounts/link_expired.html", {"nav": "sign_in"}, status=400)
    next_url = safe_next(request, form.cleaned_data["next"])
    if request.method == "GET":
        return render(
            request,
            "accounts/sign_in_link.html",
            {"form": form, "link_user": user, "nav": "sign_in"},
        )
    # Spend the link first, with one conditional UPDATE: of two simultaneous POSTs with the
    # same link only one finds last_login unchanged. login() then rotates the session key.
    if not services.spend_sign_in_link(user):
        return render(request, "accounts/link_expired.html", {"nav": "sign_in"}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    services.record_sign_in(user)
    if services.needs_profile(user):
        return redirect(reverse("accounts:details") + "?" + urlencode({"next": next_url}))
    return redirect(next_url)


@login_required
@require_http_methods(["GET", "POST"])
def details(request):
    user = request.user
    first_time = services.needs_profile(user)
    next_url = safe_next(
        request,
        request.POST.get("next") or request.GET.get("next"),
        default=reverse("accounts:profile"),
    )
    form = ProfileForm.for_user(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.update_profile(user, **form.cleaned_data)
        messages.success(
            request, "Your details are saved." if not first_time else "You are signed in."
        )
        return redirect(next_url)
    return render(
        request,
        "accounts/details.html",
        {"form": form, "first_time": first_time, "next": next_url, "nav": "account"},
        status=400 if form.errors else 200,
    )


@login_required
def profile(request):
    user = request.user
    if services.needs_profile(user):
        return redirect("accounts:details")
    feed_path = reverse("calendar:personal", args=[user.feed_token])
    trainer_feed_path = (
        reverse("calendar:trainer", args=[user.feed_token]) if user.is_trainer else None
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "sector": user.organisation.get_sector_display(),
            "feed_path": feed_path,
            "trainer_feed_path": trainer_feed_path,
            "interests": user.interests.select_related("event"),
            "nav": "account",
        },
    )


@login_required
@require_POST
def renew_calendar_link(request):
    services.renew_feed_token(request.user)
    messages.success(
        request,
        "Your calendar link has been replaced. The old link has stopped working: "
        "subscribe again with the new one.",
    )
    return redirect("accounts:profile")


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("events:home")


def _may_send_link(request, email: str) -> bool:
    window = settings.SIGN_IN_RATE_WINDOW
    per_ip = throttling.allow(
        "sign_in_ip",
        request.META.get("REMOTE_ADDR", ""),
        limit=settings.SIGN_IN_LINKS_PER_IP,
        window=window,
    )
    per_address = throttling.allow(
        "sign_in_email", email, limit=settings.SIGN_IN_LINKS_PER_ADDRESS, window=window
    )
    return per_ip and per_address


def _mail_stays_on_this_machine(request) -> bool:
    """A local run (DEBUG, mail written to var/mail/, asked from this machine): nobody can
    receive the email, so the "check your email" page offers the link itself. Never with a
    real mail backend, never without DEBUG, never to a request from another machine."""
    return (
        settings.DEBUG
        and settings.EMAIL_BACKEND == "notifications.backends.EmlFileBackend"
        and _is_loopback(request.META.get("REMOTE_ADDR", ""))
    )


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
