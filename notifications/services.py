"""Outbound messages: the hand-off from the booking rules, the outbox, and delivery.

The booking rules call ``booking_made_later`` and ``booking_changed_later`` inside their
transaction (they queue ``booking_made`` or ``booking_changed`` as a background task in that
same transaction when the task backend shares the bookings' database, else on commit; rendering
stays out of the booking request), and
``session_changed`` and ``session_cancelled`` after their transaction commits. Each renders
the message(s), stores them in the outbox (``Notification``) under a unique dedupe key, and
enqueues one background task per message. The task calls ``deliver_notification``, which
claims the row with an atomic status change before it talks to the mail server, so a duplicated
task, a retried task or two workers can never send the same message twice. A failed attempt is
retried with exponential backoff up to ``NOTIFICATION_MAX_ATTEMPTS``, then the message is
marked failed for a coordinator to retry.
"""

import contextlib
import contextvars
import functools
import hashlib
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import make_msgid
from django.db import IntegrityError, router, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from booking.models import Booking
from events.models import Session
from notifications.content import (
    Content,
    attendee_message_content,
    booking_content,
    certificate_content,
    sign_in_content,
)
from notifications.kinds import Kind
from notifications.messages import build_email
from notifications.models import Notification

logger = logging.getLogger(__name__)

_suppressed = contextvars.ContextVar("notifications_suppressed", default=False)

# Errors that no retry will mend: the address itself is refused.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPRecipientsRefused,)
with contextlib.suppress(ImportError):
    from anymail.exceptions import AnymailRecipientsRefused

    PERMANENT_ERRORS += (AnymailRecipientsRefused,)


@contextlib.contextmanager
def suppressed():
    """Record nothing and send nothing inside this block (loading demo history, imports)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


# The hand-off from the booking rules (booking changes inside their transaction, the rest on
# commit).


def _after_commit(hook):
    """Log, never raise: the change is already committed, so a failure here must not turn it
    into an error page for the person who made it."""

    @functools.wraps(hook)
    def wrapper(**kwargs):
        if _suppressed.get():
            return
        try:
            hook(**kwargs)
        except Exception:
            logger.exception("could not queue notification %s %s", hook.__name__, kwargs)

    return wrapper


@_after_commit
def booking_changed(*, booking_ids: list[int], kind: str) -> None:
    """Tell each booking's person what happened to their booking."""
    queue_booking_messages(list(_bookings().filter(pk__in=booking_ids)), kind=kind)


@_after_commit
def booking_made(*, ical_uid: str) -> None:
    """Tell the person about their new booking: a confirmed place, or a place on the waitlist.

    The message is decided from the row, not passed in: ``book_session`` queues this before it
    knows the outcome (see ``booking_made_later``). A booking that started on the waitlist keeps
    its ``waitlisted_at`` when promoted, so a late-running task still sends the waitlist
    message, and the promotion sends its own.
    """
    booking = _bookings().filter(ical_uid=ical_uid).first()
    if booking is None:
        return
    kind = Kind.BOOKING_CONFIRMED if booking.waitlisted_at is None else Kind.BOOKING_WAITLISTED
    queue_booking_messages([booking], kind=kind)


def booking_changed_later(*, booking_ids: list[int], kind: str) -> None:
    """Queue ``booking_changed`` as one background task for bookings changed in this transaction.

    Called inside the booking's transaction. When the task backend stores its tasks in the
    bookings' own database (the default ``DatabaseBackend``), the task row is written right here,
    so the booking and its message commit or roll back together: a dropped connection after the
    COMMIT cannot lose the message, and a rolled-back booking leaves no task behind (the worker
    never sees an uncommitted row). An error here propagates and rolls the booking back, so a
    booking is never committed without its message. Any other backend (immediate, external
    queue) would run or publish before the commit, so it is handed the task on commit instead.

    Rendering the message and writing the outbox row stay in the task: they would cost a
    booking request seven queries, two more commits and about 40% of its CPU time
    (see docs/performance.md).
    """
    _later("queue_booking_messages", booking_ids=list(booking_ids), kind=kind)


def booking_made_later(*, ical_uid) -> None:
    """Queue ``booking_made`` for a booking this transaction is about to make.

    ``book_session`` calls this before it takes the session lock, naming the booking by the
    calendar UID it already has (its primary key comes with the INSERT), so the task's INSERT
    is not among the statements every other booking for the session waits on. Same rules as
    ``booking_changed_later``: committed or rolled back with the booking.
    """
    _later("queue_booking_made_message", ical_uid=str(ical_uid))


def _later(task_name: str, **kwargs) -> None:
    if _suppressed.get():
        return
    task = _task(task_name)
    if _tasks_share_the_bookings_database(task):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(functools.partial(_enqueue_on_commit, task_name=task_name, **kwargs))


def _task(name: str):
    # Imported here because the task module imports this one (tasks call services).
    from notifications import tasks

    return getattr(tasks, name)


def _tasks_share_the_bookings_database(task) -> bool:
    """Whether the task is stored by the database backend in the database (and so the
    transaction) that bookings are written to."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return router.db_for_write(DBTaskResult) == router.db_for_write(Booking)


@_after_commit
def _enqueue_on_commit(*, task_name: str, **kwargs) -> None:
    _task(task_name).enqueue(**kwargs)


@_after_commit
def session_changed(*, session_id: int, changes: dict[str, tuple[str, str]]) -> None:
    """Tell everyone booked on the session what changed (old → new), with updated invitations.

    Confirmed people get a REQUEST with the raised SEQUENCE, so their calendar moves the event;
    waitlisted people get the same news without an invitation.
    """
    bookings = _bookings().filter(session_id=session_id).exclude(status=Booking.Status.CANCELLED)
    queue_booking_messages(bookings, kind=Kind.SESSION_CHANGED, changes=changes)


@_after_commit
def session_cancelled(*, session_id: int, booking_ids: list[int], reason: str) -> None:
    """Tell everyone who was booked that the session is cancelled, with CANCEL invitations."""
    bookings = _bookings().filter(pk__in=booking_ids)
    queue_booking_messages(bookings, kind=Kind.SESSION_CANCELLED, reason=reason)


@_after_commit
def send_sign_in_link(*, user, link: str) -> None:
    """Email a one-time sign-in link to the person (in the background, like every message)."""
    digest = hashlib.sha256(link.encode()).hexdigest()[:32]
    notification = Notification(
        kind=Kind.SIGN_IN_LINK,
        dedupe_key=f"{Kind.SIGN_IN_LINK}:user-{user.pk}:{digest}",
        recipient=user.email,
        recipient_name=user.full_name,
        user=user,
    )
    _store([(notification, sign_in_content(user=user, link=link))])


@_after_commit
def certificate_available(*, booking_id: int) -> None:
    """Send the attendee the link to their certificate of attendance and ask for feedback.

    Once per booking: attendance cleared and marked again does not send a second email.
    """
    bookings = _bookings().confirmed().filter(pk=booking_id, attendance=Booking.Attendance.ATTENDED)
    kind = Kind.CERTIFICATE_AVAILABLE
    _queue_for_bookings(
        bookings,
        kind=kind,
        key=lambda booking: f"{kind}:booking-{booking.pk}",
        render=certificate_content,
    )


@_after_commit
def message_attendees(*, session_id: int, subject: str, body: str) -> None:
    """Email a coordinator's message to everyone with a confirmed place at the session.

    The dedupe key holds a digest of the words, so a resubmitted form sends nothing new while
    a different message (or the same one to someone who has booked since) goes out.
    """
    bookings = _bookings().confirmed().filter(session_id=session_id)
    kind = Kind.ATTENDEE_MESSAGE
    digest = hashlib.sha256(f"{subject}\0{body}".encode()).hexdigest()[:32]
    _queue_for_bookings(
        bookings,
        kind=kind,
        key=lambda booking: f"{kind}:booking-{booking.pk}:{digest}",
        render=functools.partial(attendee_message_content, subject=subject, body=body),
    )


# Queueing.


def dedupe_key(kind: str, booking: Booking) -> str:
    """One message per kind, booking and calendar version; a reminder once per booking.

    Every change that deserves a new message about a booking raises its ``ical_sequence``
    (a session change, a cancellation of a confirmed place) or is a kind that happens once
    (confirmed, waitlisted, promoted).
    """
    if kind == Kind.REMINDER:
        return f"{kind}:booking-{booking.pk}"
    return f"{kind}:booking-{booking.pk}:seq-{booking.ical_sequence}"


def queue_booking_messages(
    bookings, *, kind: str, changes: dict | None = None, reason: str = ""
) -> list[Notification]:
    """Render and queue one message per booking, skipping any already in the outbox."""
    return _queue_for_bookings(
        bookings,
        kind=kind,
        key=functools.partial(dedupe_key, kind),
        render=functools.partial(booking_content, kind=kind, changes=changes, reason=reason),
    )


def _queue_for_bookings(
    bookings, *, kind: str, key: Callable[[Booking], str], render: Callable[[Booking], Content]
) -> list[Notification]:
    """Queue ``render(booking)`` to each booking's person under ``key(booking)``, once."""
    bookings = list(bookings)
    keys = {booking.pk: key(booking) for booking in bookings}
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
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
        pending.append((notification, render(booking)))
    return _store(pending)


def _store(pending: list[tuple[Notification, Content]]) -> list[Notification]:
    """Insert the rows (a concurrent duplicate loses on the unique key) and enqueue on commit."""
    stored = []
    for notification, content in pending:
        notification.subject = content.subject
        notification.body_text = content.body_text
        notification.body_html = content.body_html
        notification.calendar_method = content.calendar_method
        notification.calendar = content.calendar
        if not content.calendar:
            notification.calendar_sequence = None
        notification.message_id = make_msgid(domain=settings.SITE_DOMAIN)
        try:
            with transaction.atomic():
                notification.save(force_insert=True)
                transaction.on_commit(functools.partial(_enqueue, notification.pk))
        except IntegrityError:
            logger.info("notification already queued key=%s", notification.dedupe_key)
            continue
        stored.append(notification)
    return stored


def _enqueue(notification_id: int, *, run_after: datetime | None = None) -> None:
    # Imported here because the task module imports this one (tasks call services).
    from notifications.tasks import send_notification

    task = send_notification
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # Nothing to wait with (the immediate backend): the sweep sends it when it is due.
            return
        task = task.using(run_after=run_after)
    task.enqueue(notification_id=notification_id)


# Delivery.


def deliver_notification(
    notification_id: int, *, now: datetime | None = None
) -> Notification | None:
    """Send one queued message if it is due, at most once, and record how it went.

    The row is claimed with one conditional UPDATE (queued and due → sending), so of any number
    of concurrent or repeated calls exactly one sends. A message found in any other state is
    returned untouched (None if it no longer exists).
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.QUEUED, next_attempt_at__lte=now
    ).update(status=Notification.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    notification = Notification.objects.filter(pk=notification_id).first()
    if not claimed:
        return notification

    message = build_email(notification)
    try:
        if message.send() != 1:
            raise smtplib.SMTPException("The mail backend did not accept the message.")
    except Exception as error:  # any failure of the mail backend is recorded and retried
        return _record_failure(notification, error, now=now)

    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.provider_message_id = _provider_message_id(message)
    fields = ["status", "sent_at", "last_error", "provider_message_id"]
    if notification.kind == Kind.SIGN_IN_LINK:
        # A sign-in link opens an account: once sent, the outbox keeps no copy of it.
        notification.body_text = notification.body_html = "(removed after sending)"
        fields += ["body_text", "body_html"]
    notification.save(update_fields=fields)
    logger.info("notification sent id=%s kind=%s", notification.pk, notification.kind)
    return notification


def _provider_message_id(message) -> str:
    """The provider's id for the message when anymail reports one (one recipient: one id)."""
    message_id = getattr(getattr(message, "anymail_status", None), "message_id", None)
    if message_id is None:
        return ""
    if isinstance(message_id, set):
        message_id = ",".join(sorted(str(part) for part in message_id))
    return str(message_id)[:255]


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: the base delay, doubled after every failed attempt."""
    return settings.NOTIFICATION_RETRY_DELAY * 2 ** (attempts - 1)


def _record_failure(notification: Notification, error: Exception, *, now) -> Notification:
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    permanent = isinstance(error, PERMANENT_ERRORS)
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
    else:
        notification.status = Notification.Status.QUEUED
        notification.next_attempt_at = now + retry_delay(notification.attempts)
    notification.save(update_fields=["status", "last_error", "next_attempt_at"])
    logger.warning(
        "notification failed id=%s attempt=%s status=%s error=%s",
        notification.pk,
        notification.attempts,
        notification.status,
        notification.last_error,
    )
    if notification.status == Notification.Status.QUEUED:
        _enqueue(notification.pk, run_after=notification.next_attempt_at)
    return notification


def retry_notifications(notifications, *, now: datetime | None = None) -> int:
    """Put failed messages back in the queue with a fresh set of attempts (the admin action)."""
    now = now or timezone.now()
    ids = list(notifications.filter(status=Notification.Status.FAILED).values_list("pk", flat=True))
    with transaction.atomic():
        Notification.objects.filter(pk__in=ids, status=Notification.Status.FAILED).update(
            status=Notification.Status.QUEUED, attempts=0, next_attempt_at=now
        )
        for notification_id in ids:
            transaction.on_commit(functools.partial(_enqueue, notification_id))
    return len(ids)


def requeue_stale(*, now: datetime | None = None) -> dict[str, int]:
    """Recover messages whose task was lost; give up on ones interrupted mid-send.

    A queued message still waiting ``NOTIFICATION_STALE_AFTER`` after it was due has lost its
    task (the worker was down when it was enqueued, or the backend cannot defer): enqueue it
    again; the claim makes a duplicate task harmless. A message left "sending" that long was
    interrupted while talking to the mail server, so it may or may not have gone: it is marked
    failed for a coordinator to check and retry, never resent blindly.
    """
    now = now or timezone.now()
    cutoff = now - settings.NOTIFICATION_STALE_AFTER
    stale = list(Notification.objects.due(cutoff).values_list("pk", flat=True))
    for notification_id in stale:
        _enqueue(notification_id)
    interrupted = Notification.objects.filter(
        status=Notification.Status.SENDING, last_attempt_at__lt=cutoff
    ).update(
        status=Notification.Status.FAILED,
        last_error="Interrupted while sending: it may not have been delivered. Check, then retry.",
    )
    return {"requeued": len(stale), "interrupted": interrupted}


# Reminders.


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


def _bookings():
    return Booking.objects.select_related(
        "person", "session__event", "session__venue"
    ).prefetch_related("session__event__themes")
