"""Register interest: "Tell me when new dates are added", and the email that tells.

The email is written through the outbox (``notifications``) in the transaction that publishes
the session, once per interest and newest session (the dedupe key), so a session published
again, a retried task or a second worker sends nothing twice. Its remove link is a signed token
naming the interest (like ``booking.offer_links``): it opens a page whose button POSTs, so a
mail scanner that fetches it changes nothing.
"""

import functools

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from common.text import one_line
from events.models import Event, Interest, Session
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import Message, queue, register_renderer, render_message

SALT = "events.interest-link"


def remove_token(interest: Interest) -> str:
    return signing.dumps([interest.pk, interest.person_id], salt=SALT, compress=False)


def interest_for_token(token: str) -> Interest | None:
    """The interest a remove link names, or None (forged, mangled, or already removed)."""
    try:
        pk, person_id = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    found = Interest.objects.select_related("event", "person")
    return found.filter(pk=pk, person_id=person_id).first()


def remove_url(interest: Interest) -> str:
    path = reverse("events:interest_remove", args=[remove_token(interest)])
    return f"{settings.SITE_URL}{path}"


def bookable_sessions(event: Event):
    return (
        Session.objects.filter(event=event, event__programme__published=True)
        .scheduled()
        .not_ended()
        .order_by("starts_at", "pk")
    )


def notify_new_dates(event: Event) -> list[Notification]:
    """Email everyone interested in ``event`` about its published, upcoming sessions; once per
    interest and newest session. Call inside the transaction that publishes."""
    sessions = list(bookable_sessions(event))
    if not sessions:
        return []
    newest = max(session.pk for session in sessions)
    interests = list(
        Interest.objects.filter(event=event, person__is_active=True).select_related("person")
    )
    if not interests:
        return []
    items = []
    for interest in interests:
        notification = Notification(
            kind=Kind.NEW_DATES,
            dedupe_key=f"{Kind.NEW_DATES}:interest-{interest.pk}:session-{newest}",
            recipient=interest.person.email,
            recipient_name=interest.person.full_name,
            user=interest.person,
        )
        content = functools.partial(new_dates_content, interest, sessions)
        items.append((notification, content))
    queued = queue(items)
    Interest.objects.filter(pk__in=[interest.pk for interest in interests]).update(
        notified_at=timezone.now()
    )
    return queued


def new_dates_content(interest: Interest, sessions: list[Session]) -> Message:
    event = interest.event
    context = {
        "kind": Kind.NEW_DATES,
        "name": one_line(interest.person.full_name) or "there",
        "title": one_line(event.title),
        "event_url": f"{settings.SITE_URL}{reverse('events:event', args=[event.slug])}",
        "dates": [
            f"{timezone.localtime(session.starts_at):%A %-d %B %Y, %H:%M}" for session in sessions
        ],
        "remove_url": remove_url(interest),
    }
    return render_message(Kind.NEW_DATES, context, subject=f"New dates for {event.title}")


def render_again(notification: Notification) -> Message:
    """Retry a failed render: the interest named by the dedupe key, the event's dates now."""
    pk = int(notification.dedupe_key.split(":interest-")[1].split(":")[0])
    interest = Interest.objects.select_related("event", "person").get(pk=pk)
    return new_dates_content(interest, list(bookable_sessions(interest.event)))


register_renderer([Kind.NEW_DATES], render_again)
