"""Send one outbox message, at most once, and record how it went."""

import contextlib
import copy
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from notifications.email import build_email
from notifications.models import Notification

logger = logging.getLogger(__name__)


class Undeliverable(Exception):
    """Raised by a finisher when the message must not go out any more (no retry mends it)."""


# Errors that no retry will mend: the address itself is refused, or the message is void.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPRecipientsRefused, Undeliverable)
with contextlib.suppress(ImportError):
    from anymail.exceptions import AnymailRecipientsRefused

    PERMANENT_ERRORS += (AnymailRecipientsRefused,)

# Per kind, a function that completes the outgoing copy of a message just before it is sent
# (a secret that must never be stored, such as a sign-in token). The stored row is unchanged.
_finishers: dict[str, Callable[[Notification], None]] = {}


def register_finisher(kind: str, finish: Callable[[Notification], None]) -> None:
    _finishers[kind] = finish


def deliver_notification(
    notification_id: int, *, now: datetime | None = None
) -> Notification | None:
    """Send one queued message if it is due, at most once, and record how it went.

    The row is claimed with one conditional UPDATE (queued and due → sending), so of any number
    of concurrent or repeated calls exactly one sends. A message found in any other state is
    returned untouched (None if it no longer exists). A failed attempt leaves the message
    queued with a later ``next_attempt_at``, and the returned row's ``retry_at`` says when the
    caller should schedule that attempt; or failed, once the attempts are used up or the
    address is refused.
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.QUEUED, next_attempt_at__lte=now
    ).update(status=Notification.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    notification = Notification.objects.filter(pk=notification_id).first()
    if not claimed:
        return notification

    try:
        message = build_email(_outgoing(notification))
        if message.send() != 1:
            raise smtplib.SMTPException("The mail backend did not accept the message.")
    except Exception as error:  # any failure of the mail backend is recorded and retried
        return _record_failure(notification, error, now=now)

    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.provider_message_id = _provider_message_id(message)
    notification.save(update_fields=["status", "sent_at", "last_error", "provider_message_id"])
    logger.info("notification sent id=%s kind=%s", notification.pk, notification.kind)
    return notification


def _outgoing(notification: Notification) -> Notification:
    finish = _finishers.get(notification.kind)
    if finish is None:
        return notification
    outgoing = copy.copy(notification)
    finish(outgoing)
    return outgoing


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: the base delay, doubled after every failed attempt."""
    return settings.NOTIFICATION_RETRY_DELAY * 2 ** (attempts - 1)


def _provider_message_id(message) -> str:
    """The provider's id for the message when anymail reports one (one recipient: one id)."""
    message_id = getattr(getattr(message, "anymail_status", None), "message_id", None)
    if message_id is None:
        return ""
    if isinstance(message_id, set):
        message_id = ",".join(sorted(str(part) for part in message_id))
    return str(message_id)[:255]


def _record_failure(notification: Notification, error: Exception, *, now) -> Notification:
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    permanent = isinstance(error, PERMANENT_ERRORS)
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
    else:
        notification.status = Notification.Status.QUEUED
        notification.next_attempt_at = now + retry_delay(notification.attempts)
        notification.retry_at = notification.next_attempt_at
    notification.save(update_fields=["status", "last_error", "next_attempt_at"])
    logger.warning(
        "notification failed id=%s attempt=%s status=%s error=%s",
        notification.pk,
        notification.attempts,
        notification.status,
        type(error).__name__,
    )
    return notification
