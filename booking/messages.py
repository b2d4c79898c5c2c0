"""What a booking change tells people: the messages about one person's booking, and queueing them.

Each message is rendered in the worker (``booking.tasks``), stored in the outbox under a
dedupe key that names the kind, the booking and its calendar SEQUENCE, and sent from there
(``notifications``). Confirmed people get an invitation (REQUEST) with their booking's own UID;
a cancelled place that had been confirmed gets a CANCEL. These functions read the bookings they
are given with their session, event, venue and person loaded.
"""

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from booking import approval, rules
from booking.calendar import invitation
from booking.certificates import certificate_filename, certificate_for
from booking.models import Booking
from booking.offer_links import offer_token
from booking.queries import refresher_candidates, waitlist_position
from common.text import one_line
from events.calendar import session_url
from events.models import Session
from events.queries import refresher_due
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import Message, absolute_url, queue, queued_keys, render_message

# The changes a person is told about, in the order they are listed, with plain-English labels.
CHANGE_LABELS = {
    "starts_at": "Start",
    "ends_at": "End",
    "venue": "Venue",
    "delivery": "How it runs",
    "join_url": "Joining link",
}

SUBJECTS = {
    Kind.BOOKING_CONFIRMED: "Booking confirmed: {title}, {day}",
    Kind.BOOKING_WAITLISTED: "You are on the waitlist: {title}, {day}",
    Kind.BOOKING_PROMOTED: "You have a place: {title}, {day}",
    Kind.BOOKING_OFFERED: "A place is offered to you: {title}, {day}",
    Kind.OFFER_EXPIRED: "Your offer of a place has expired: {title}, {day}",
    Kind.OFFER_DECLINED: "You declined the place: {title}, {day}",
    Kind.BOOKING_CANCELLED: "Booking cancelled: {title}, {day}",
    Kind.SESSION_CHANGED: "Session changed: {title}, {day}",
    Kind.SESSION_CANCELLED: "Session cancelled: {title}, {day}",
    Kind.REMINDER: "Reminder: {title}, {day}",
    Kind.APPROVAL_DECLINED: "Not approved: {title}, {day}",
}

# After the session: sent once per booking each, to people marked attended.
AFTER_SESSION_KINDS = (
    Kind.CERTIFICATE_AVAILABLE,
    Kind.EVALUATION_REQUEST,
    Kind.EVALUATION_REMINDER,
    Kind.EVALUATION_THANKS,
    Kind.REFRESHER_REMINDER,
)
# Kinds sent once per booking, whatever happens to it later.
ONCE_PER_BOOKING = (Kind.REMINDER, *AFTER_SESSION_KINDS)
BOOKING_KINDS = (*SUBJECTS, *AFTER_SESSION_KINDS, Kind.APPROVAL_REQUESTED)


# Queueing (in the worker).


def queue_new_booking_message(*, ical_uid: str) -> list[Notification]:
    """Tell the person about their new booking: a confirmed place, or a place on the waitlist.

    The message is decided from the row, not passed in: ``book_session`` queues this before it
    knows the outcome. A booking that started on the waitlist keeps its ``waitlisted_at`` when
    promoted, so a late-running task still sends the waitlist message, and the promotion sends
    its own.
    """
    booking = _bookings().filter(ical_uid=ical_uid).first()
    if booking is None:
        return []
    if booking.status == Booking.Status.PENDING_APPROVAL:
        return queue_approval_request(booking)
    if (
        booking.manager_email
        and booking.status == Booking.Status.CANCELLED
        and not (booking.confirmed_at or booking.waitlisted_at)
    ):
        return []  # declined or withdrawn before a place was decided: told by its own message
    kind = Kind.BOOKING_CONFIRMED if booking.waitlisted_at is None else Kind.BOOKING_WAITLISTED
    return queue_booking_messages([booking], kind=kind)


# How far back the sweep looks for bookings whose message was never written.
LOST_MESSAGE_WINDOW = timedelta(days=1)


def queue_lost_new_booking_messages(*, now: datetime | None = None) -> int:
    """Write the new-booking message of bookings whose task was lost; return how many.

    With the database task backend the task commits with the booking. With RQ it is handed to
    Redis on commit, so a web node dying between the two, or a worker dying in the middle of
    the task, loses it. A booking (confirmed or waitlisted) made within the last day whose
    confirmation or waitlist message is still not in the outbox after
    ``NOTIFICATION_STALE_AFTER`` gets it now; the dedupe key keeps it to one message.
    """
    now = now or timezone.now()
    lost = (
        Booking.objects.filter(
            status__in=[Booking.Status.CONFIRMED, Booking.Status.WAITLISTED],
            created_at__gte=now - LOST_MESSAGE_WINDOW,
            created_at__lt=now - settings.NOTIFICATION_STALE_AFTER,
        )
        .exclude(
            Exists(
                Notification.objects.filter(
                    booking=OuterRef("pk"),
                    kind__in=[Kind.BOOKING_CONFIRMED, Kind.BOOKING_WAITLISTED],
                )
            )
        )
        .values_list("ical_uid", flat=True)
    )
    return sum(len(queue_new_booking_message(ical_uid=str(uid))) for uid in lost)


def queue_booking_messages(
    bookings: Iterable[Booking], *, kind: str, changes: dict | None = None, reason: str = ""
) -> list[Notification]:
    """Render and queue one message of this kind per booking, skipping any already queued."""
    if kind in AFTER_SESSION_KINDS:
        render = functools.partial(after_session_content, kind=kind)
    else:
        render = functools.partial(booking_content, kind=kind, changes=changes, reason=reason)
    return _queue_for_bookings(
        bookings, kind=kind, key=functools.partial(dedupe_key, kind), render=render
    )


def queue_messages_for(
    booking_ids: list[int], *, kind: str, changes: dict | None = None, reason: str = ""
) -> list[Notification]:
    """``queue_booking_messages`` for bookings named by id (what the background task has)."""
    bookings = _bookings().filter(pk__in=booking_ids)
    if kind in AFTER_SESSION_KINDS:
        bookings = bookings.confirmed().filter(attendance=Booking.Attendance.ATTENDED)
    return queue_booking_messages(bookings, kind=kind, changes=changes, reason=reason)


def queue_session_messages(
    session_id: int, *, kind: str, changes: dict | None = None
) -> list[Notification]:
    """Tell everyone booked on the session (confirmed or waiting) about a change to it."""
    bookings = _bookings().active().filter(session_id=session_id)
    return queue_booking_messages(bookings, kind=kind, changes=changes)


def queue_attendee_message(
    *, session_id: int, subject: str, body: str, statuses: Iterable[str] = ("confirmed",)
) -> list[Notification]:
    """Email a coordinator's message to everyone with a booking of these statuses (by default
    a confirmed place) at the session.

    The dedupe key holds a digest of the words, so a resubmitted form sends nothing new while
    a different message (or the same one to someone who has booked since) goes out.
    """
    bookings = _bookings().filter(session_id=session_id, status__in=list(statuses))
    kind = Kind.ATTENDEE_MESSAGE
    digest = hashlib.sha256(f"{subject}\0{body}".encode()).hexdigest()[:32]
    return _queue_for_bookings(
        bookings,
        kind=kind,
        key=lambda booking: f"{kind}:booking-{booking.pk}:{digest}",
        render=functools.partial(attendee_message_content, subject=subject, body=body),
    )


def queue_reminders(*, now: datetime | None = None) -> list[Notification]:
    """Queue a reminder for every confirmed place whose session starts within the lead time.

    Sent once per booking (the dedupe key has no sequence). People who booked inside the
    reminder window have only just had their confirmation, so they get no reminder.
    """
    now = now or timezone.now()
    lead = settings.REMINDER_LEAD_TIME
    bookings = (
        _bookings()
        .confirmed()
        .filter(
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gt=now,
            session__starts_at__lte=now + lead,
            confirmed_at__lt=F("session__starts_at") - lead,
        )
        .exclude(Exists(Notification.objects.filter(booking=OuterRef("pk"), kind=Kind.REMINDER)))
    )
    return queue_booking_messages(bookings, kind=Kind.REMINDER)


def queue_evaluation_requests(*, now: datetime | None = None) -> list[Notification]:
    """Ask everyone marked attended at a session that has ended to evaluate it, once each.

    A session that ended more than ``EVALUATION_REQUEST_WITHIN`` ago is left alone, so a worker
    starting on old data (or demo history) sends nothing about sessions long past; people
    marked attended after the end are asked in the next round.
    """
    now = now or timezone.now()
    bookings = (
        _attended_without_evaluation()
        .filter(
            session__ends_at__lte=now,
            session__ends_at__gt=now - settings.EVALUATION_REQUEST_WITHIN,
        )
        .exclude(_has_message(Kind.EVALUATION_REQUEST))
    )
    return queue_booking_messages(bookings, kind=Kind.EVALUATION_REQUEST)


def queue_evaluation_reminders(*, now: datetime | None = None) -> list[Notification]:
    """Remind, once, whoever has not evaluated ``EVALUATION_REMINDER_AFTER`` after being asked."""
    now = now or timezone.now()
    asked = Notification.objects.filter(
        booking=OuterRef("pk"),
        kind=Kind.EVALUATION_REQUEST,
        created_at__lte=now - settings.EVALUATION_REMINDER_AFTER,
    )
    bookings = _attended_without_evaluation().filter(Exists(asked))
    bookings = bookings.exclude(_has_message(Kind.EVALUATION_REMINDER))
    return queue_booking_messages(bookings, kind=Kind.EVALUATION_REMINDER)


def queue_refresher_reminders(*, now: datetime | None = None) -> list[Notification]:
    """Tell people, once, ``REFRESHER_REMINDER_LEAD`` before their training falls due.

    Only the latest attended session of each course counts for a person, and nobody who has
    already booked a later session of the course is reminded.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    bookings = refresher_candidates().exclude(_has_message(Kind.REFRESHER_REMINDER))
    due_soon = [
        booking
        for booking in bookings
        if today <= refresher_due(booking.session) <= today + settings.REFRESHER_REMINDER_LEAD
    ]
    return queue_booking_messages(due_soon, kind=Kind.REFRESHER_REMINDER)


def _attended_without_evaluation():
    return (
        _bookings()
        .confirmed()
        .filter(attendance=Booking.Attendance.ATTENDED, session__status=Session.Status.SCHEDULED)
        .filter(evaluation__isnull=True)
    )


def _has_message(kind: str) -> Exists:
    return Exists(Notification.objects.filter(booking=OuterRef("pk"), kind=kind))


def dedupe_key(kind: str, booking: Booking) -> str:
    """One message per kind, booking and calendar version; some kinds once per booking.

    Every change that deserves a new message about a booking raises its ``ical_sequence``
    (a session change, a cancellation of a confirmed place) or is a kind that happens once
    (confirmed, waitlisted, promoted).
    """
    if kind in ONCE_PER_BOOKING:
        return f"{kind}:booking-{booking.pk}"
    return f"{kind}:booking-{booking.pk}:seq-{booking.ical_sequence}"


def queue_approval_request(booking: Booking) -> list[Notification]:
    """Ask the person's line manager to approve or decline, once per booking."""
    kind = Kind.APPROVAL_REQUESTED
    notification = Notification(
        kind=kind,
        dedupe_key=f"{kind}:booking-{booking.pk}",
        recipient=booking.manager_email,
        booking=booking,
        session=booking.session,
    )
    return queue([(notification, functools.partial(approval_request_content, booking))])


def approval_request_content(booking: Booking) -> Message:
    """To the manager: who asks, for what, and the link to the page that approves or declines."""
    person = booking.person
    context = _booking_context(booking) | {
        "kind": Kind.APPROVAL_REQUESTED,
        "name": "colleague",
        "person_name": one_line(person.full_name) or person.email,
        "job_title": one_line(person.job_title),
        "organisation": one_line(person.organisation.name) if person.organisation else "",
        "approval_url": approval.approval_url(booking),
        "expires": f"{timezone.localtime(approval.link_expires_at(booking)):%A %-d %B %Y}",
        "join_url": "",
    }
    subject = (
        f"Approval needed: {context['person_name']} for {context['title']}, {_day(booking.session)}"
    )
    return render_message(Kind.APPROVAL_REQUESTED, context, subject=subject)


def render_again(notification: Notification) -> Message:
    """Render a stored booking message that failed to render (the outbox's "Retry").

    What changed, or why a session was cancelled, was only known when the change happened;
    a message rendered again describes the session as it is now.
    """
    booking = _bookings().get(pk=notification.booking_id)
    if notification.kind in AFTER_SESSION_KINDS:
        return after_session_content(booking, kind=notification.kind)
    if notification.kind == Kind.APPROVAL_REQUESTED:
        return approval_request_content(booking)
    return booking_content(booking, kind=notification.kind)


def _queue_for_bookings(
    bookings, *, kind: str, key: Callable[[Booking], str], render: Callable[[Booking], Message]
) -> list[Notification]:
    """Queue ``render(booking)`` to each booking's person under ``key(booking)``, once."""
    bookings = list(bookings)
    keys = {booking.pk: key(booking) for booking in bookings}
    existing = queued_keys(keys.values())
    pending = []
    for booking in bookings:
        if keys[booking.pk] in existing:
            continue
        notification = Notification(
            kind=kind,
            dedupe_key=keys[booking.pk],
            recipient=booking.person.email,
            recipient_name=booking.person.full_name,
            user=booking.person,
            booking=booking,
            session=booking.session,
            calendar_sequence=booking.ical_sequence,
        )
        pending.append((notification, functools.partial(render, booking)))
    return queue(pending)


def _bookings():
    return Booking.objects.select_related(
        "person", "session__event", "session__venue"
    ).prefetch_related("session__event__themes")


# What the messages say.


def session_change_messages(session_id: int, *, changes: dict) -> list[tuple[Booking, Message]]:
    """What ``queue_session_messages`` would send about a change, rendered but not stored: the
    coordinator's preview before a session moves (``booking.services.preview_session_change``)."""
    bookings = _bookings().active().filter(session_id=session_id).order_by("status", "pk")
    return [
        (booking, booking_content(booking, kind=Kind.SESSION_CHANGED, changes=changes))
        for booking in bookings
    ]


def describe_changes(changes: dict, *, show_join_url: bool) -> list[dict]:
    """Turn the booking rules' {field: (old, new)} into labelled rows, hiding links if needed.

    A joining link is private to those who may see it: others are told it changed, not to what.
    """
    rows = []
    for name, label in CHANGE_LABELS.items():
        if name not in changes:
            continue
        old, new = changes[name]
        if name == "delivery":
            old, new = _delivery_label(old), _delivery_label(new)
        if name == "join_url" and not show_join_url:
            old, new = "", "A new joining link has been set."
        rows.append({"label": label, "old": one_line(old), "new": one_line(new)})
    return rows


def _delivery_label(value: str) -> str:
    try:
        return Session.Delivery(value).label
    except ValueError:
        return value


def booking_content(booking: Booking, *, kind: str, changes=None, reason: str = "") -> Message:
    """The message for one person about their booking; an invitation when the place is theirs.

    Needs ``booking.person`` and ``booking.session`` (with event, venue, event themes) loaded.
    """
    session = booking.session
    context = _booking_context(booking) | {
        "kind": kind,
        "late_cancellation": booking.late_cancellation,
        "cancelled_by_someone_else": (
            booking.cancelled_by_id is not None and booking.cancelled_by_id != booking.person_id
        ),
        "reason": reason.strip(),
        "waitlist_position": (
            waitlist_position(booking) if kind == Kind.BOOKING_WAITLISTED else None
        ),
    }
    context["changes"] = describe_changes(changes or {}, show_join_url=bool(context["join_url"]))
    if kind == Kind.BOOKING_OFFERED:
        context |= _offer_context(booking)
    subject = SUBJECTS[kind].format(title=context["title"], day=_day(session))
    method, ics = "", ""
    # A booking that was ever confirmed has an event in the person's calendar to remove.
    had_place = booking.confirmed_at is not None
    wants_invitation = context["confirmed"] or (
        had_place and kind in (Kind.BOOKING_CANCELLED, Kind.SESSION_CANCELLED)
    )
    if wants_invitation:
        method, ics_bytes = invitation(booking)
        ics = ics_bytes.decode()
    context["calendar_method"] = method
    return render_message(kind, context, subject=subject, calendar_method=method, calendar=ics)


# The messages that carry the certificate of attendance as a PDF attachment.
CARRIES_CERTIFICATE = (Kind.EVALUATION_THANKS, Kind.CERTIFICATE_AVAILABLE)

AFTER_SESSION_SUBJECTS = {
    Kind.CERTIFICATE_AVAILABLE: "Your certificate of attendance: {about}",
    Kind.EVALUATION_REQUEST: "How was it? Tell us about {about}",
    Kind.EVALUATION_REMINDER: "Reminder: tell us about {about}",
    Kind.EVALUATION_THANKS: "Thank you, and your certificate: {about}",
    Kind.REFRESHER_REMINDER: "Your training is due for a refresher: {title}",
}


def after_session_content(booking: Booking, *, kind: str) -> Message:
    """Thank an attendee, ask for (or thank them for) their evaluation, link the certificate,
    or remind them that a refresher is due, with the course's next sessions."""
    session = booking.session
    due = refresher_due(session)
    context = _booking_context(booking) | {
        "kind": kind,
        "certificate_url": absolute_url(reverse("staff:certificate", args=[booking.pk])),
        "evaluation_url": absolute_url(reverse("booking:evaluate", args=[booking.pk])),
        "training_record_url": absolute_url(reverse("booking:training_record")),
        "course_url": absolute_url(reverse("events:event", args=[session.event.slug])),
        "certificate_needs_evaluation": session.event.certificate_requires_evaluation,
        "refresher_due": due,
    }
    about = f"{context['title']}, {_day(session)}"
    subject = AFTER_SESSION_SUBJECTS[kind].format(about=about, title=context["title"])
    message = render_message(kind, context, subject=subject)
    if kind in CARRIES_CERTIFICATE and rules.certificate_unlocked(booking):
        # The thank-you (or, where no evaluation is asked, the announcement) carries the PDF.
        message = dataclasses.replace(
            message,
            attachment_name=certificate_filename(booking),
            attachment_type="application/pdf",
            attachment=certificate_for(booking),
        )
    return message


def attendee_message_content(booking: Booking, *, subject: str, body: str) -> Message:
    """A coordinator's own words to someone with a place, with the session's details."""
    context = _booking_context(booking) | {
        "kind": Kind.ATTENDEE_MESSAGE,
        "message_body": body.strip(),
        # A message after the session (slides, say) has no place left to cancel.
        "upcoming": booking.session.starts_at > timezone.now(),
    }
    subject = f"{one_line(subject)}: {context['title']}, {_day(booking.session)}"
    return render_message(Kind.ATTENDEE_MESSAGE, context, subject=subject)


def _booking_context(booking: Booking) -> dict:
    """What every message about one person's booking shows: who, what, when and where."""
    session = booking.session
    confirmed_place = booking.status == Booking.Status.CONFIRMED and not session.is_cancelled
    return {
        "name": one_line(booking.person.full_name) or "there",
        "booking": booking,
        "session": session,
        "title": one_line(session.event.title),
        "when": session.when_text,
        "where": session.location_text,
        "is_online": session.is_online,
        "venue": session.venue if session.delivery != Session.Delivery.ONLINE else None,
        "join_url": session.join_url if rules.holder_may_see_join_url(booking) else "",
        "session_url": session_url(session),
        # Where the person sees and cancels their own booking (sign-in brings them back here).
        "booking_url": absolute_url(reverse("booking:booking", args=[booking.pk])),
        "my_bookings_url": absolute_url(reverse("booking:my_bookings")),
        "confirmed": confirmed_place,
        "waitlisted": booking.status == Booking.Status.WAITLISTED,
        "offered": booking.status == Booking.Status.OFFERED,
    }


def _offer_context(booking: Booking) -> dict:
    """The deadline in UK time and the two one-click links of an offer email."""
    token = offer_token(booking)
    expires = timezone.localtime(booking.offer_expires_at)
    return {
        "offer_expires": f"{expires:%H:%M on %A %-d %B %Y} (UK time)",
        "accept_url": absolute_url(reverse("booking:offer", args=[token, "accept"])),
        "decline_url": absolute_url(reverse("booking:offer", args=[token, "decline"])),
    }


def _day(session: Session) -> str:
    return f"{timezone.localtime(session.starts_at):%A %-d %B}"
