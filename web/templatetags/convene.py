"""Template helpers for the website: UK times written the GOV.UK way, links for calendars."""

from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils import timezone

from booking import rules
from events.models import describe_duration

register = template.Library()


@register.filter
def govuk_time(value) -> str:
    """Write a time the GOV.UK way in Europe/London: 9am, 2:30pm, midday, midnight."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


@register.filter
def govuk_date(value) -> str:
    """Write a date with its weekday, in Europe/London: Monday 12 July 2021."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return f"{value:%A} {value.day} {value:%B %Y}"


@register.filter
def duration(value: timedelta) -> str:
    """Write a length of time in words: 2 hours 30 minutes."""
    return describe_duration(value)


@register.simple_tag
def site_url(path: str) -> str:
    """The absolute address of a path on this site (from SITE_URL, never the Host header)."""
    return f"{settings.SITE_URL}{path}"


@register.simple_tag
def webcal_url(path: str) -> str:
    """A webcal:// address, which offers to subscribe in the person's calendar app."""
    return "webcal://" + settings.SITE_URL.split("://", 1)[-1] + path


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (pagination keeps the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return "?" + urlencode(list(query.lists()), doseq=True)


@register.simple_tag
def availability_tag(session, user=None) -> dict:
    """What a person can do at a session, in words and colour, for its tag and button.

    Needs a session annotated by ``booking.queries.sessions_with_availability``; the decision
    is ``booking.rules.availability``, the rule the booking service applies. With the signed-in
    ``user`` and the session's ``taken_by_sector`` (a session with sector quotas), the answer
    is for that person's sector.
    """
    sector = rules.ANY_SECTOR
    if user is not None and user.is_authenticated and hasattr(session, "taken_by_sector"):
        sector = user.organisation.sector if user.organisation_id else None
    now_available = rules.availability(session, timezone.now(), sector=sector)
    state = now_available.state
    if state == rules.BookingState.CANCELLED:
        return {"label": "Cancelled", "colour": "red", "action": None}
    if state == rules.BookingState.NOT_OPEN_YET:
        opens = govuk_date(now_available.opens_at)
        return {"label": f"Booking opens {opens}", "colour": "grey", "action": None}
    if state != rules.BookingState.OPEN:
        return {"label": "Booking closed", "colour": "grey", "action": None}
    if now_available.action == "book":
        places = now_available.places_left
        label = f"{places} place{'s' if places != 1 else ''} left"
        return {"label": label, "colour": "green", "action": "book"}
    if now_available.action == "waitlist" and now_available.places_left > 0:
        label = "Places reserved for other agencies \N{EN DASH} join the waitlist"
        return {"label": label, "colour": "yellow", "action": "waitlist", "reserved": True}
    if now_available.action == "waitlist":
        label = "Full \N{EN DASH} join the waitlist"
        return {"label": label, "colour": "yellow", "action": "waitlist"}
    return {"label": "Full", "colour": "red", "action": None}
