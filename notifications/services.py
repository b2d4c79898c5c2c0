"""The outbox: store rendered messages once each, hand them to the worker, retry and sweep.

Other apps decide what to say (``booking.messages``, ``accounts.messages``): they render a
``Message`` with ``render_message`` and store it with ``queue`` under a unique dedupe key, so
the same event can never make two messages. Each stored row is handed to the worker on commit
(``notifications.tasks.send_notification``), which claims it before it talks to the mail
server, so a duplicated task, a retried task or two workers never send it twice. This module
knows nothing about bookings or sessions.

A message that could not be rendered is stored as failed (``last_error`` starts with
``render_failed``) instead of being lost; "Retry" renders it again through the renderer that
the app which owns its kind registered (``register_renderer``).
"""

import contextlib
import contextvars
import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import make_msgid
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from common.text import one_line
from notifications import tasks
from notifications.models import Notification

logger = logging.getLogger(__name__)

# The outbox column; a coordinator's subject plus a long course title could pass it.
SUBJECT_MAX_LENGTH = 300
RENDER_FAILED = "render_failed"

_suppressed = contextvars.ContextVar("notifications_suppressed", default=False)
_renderers: dict[str, Callable[[Notification], "Message"]] = {}


@dataclass(frozen=True)
class Message:
    subject: str
    body_text: str
    body_html: str
    calendar_method: str = ""
    calendar: str = ""
    attachment_name: str = ""
    attachment_type: str = ""
    attachment: bytes = b""


@contextlib.contextmanager
def suppressed():
    """Record nothing and send nothing inside this block (loading demo history, imports)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_suppressed() -> bool:
    return _suppressed.get()


def register_renderer(kinds: Iterable[str], render: Callable[[Notification], "Message"]) -> None:
    """Say how to render a stored message of these kinds again (for "Retry" after a failure)."""
    for kind in kinds:
        _renderers[kind] = render


# Rendering.


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def common_context() -> dict:
    """What every message can show: who sends it and where the site is."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "sessions_url": absolute_url(reverse("events:session_list")),
        "PARTNERSHIP_NAME": settings.PARTNERSHIP_NAME,
        "PARTNERSHIP_EMAIL": settings.PARTNERSHIP_EMAIL,
    }


def render_message(kind: str, context: dict, *, subject: str, **calendar) -> Message:
    """Render ``templates/email/<kind>.txt`` and ``.html`` with the common context."""
    context = common_context() | context
    context["subject"] = Truncator(one_line(subject)).chars(SUBJECT_MAX_LENGTH)
    text = render_to_string(f"email/{kind}.txt", context)
    html = render_to_string(f"email/{kind}.html", context)
    return Message(
        subject=context["subject"], body_text=_tidy_text(text), body_html=html, **calendar
    )


def _tidy_text(text: str) -> str:
    """Drop the blank lines and trailing spaces that template tags leave in plain text."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


# Queueing.


def queued_keys(keys: Iterable[str]) -> set[str]:
    """The dedupe keys among these that are in the outbox already."""
    return set(
        Notification.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True)
    )


def queue(
    pending: Iterable[tuple[Notification, Callable[[], Message]]],
) -> list[Notification]:
    """Render each unsaved row's message, store it, and enqueue it on commit.

    A row whose key is already in the outbox (a concurrent duplicate) is skipped. A message
    that fails to render is stored as failed, with the error's name, and logged with ids only;
    the error is then raised, so that the task that called this fails visibly too.
    """
    stored, render_error = [], None
    for notification, render in pending:
        try:
            message = render()
        except Exception as error:  # stored and re-raised below, never swallowed
            render_error = error
            _store_failed(notification, error)
            continue
        if _store(notification, message):
            stored.append(notification)
    if render_error is not None:
        raise render_error
    return stored


def _store(notification: Notification, message: Message) -> bool:
    _fill(notification, message)
    if not message.calendar:
        notification.calendar_sequence = None
    notification.message_id = make_msgid(domain=settings.SITE_DOMAIN)
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
            transaction.on_commit(functools.partial(tasks.enqueue, notification.pk))
    except IntegrityError:
        logger.info("notification already queued key=%s", notification.dedupe_key)
        return False
    return True


def _store_failed(notification: Notification, error: Exception) -> None:
    notification.status = Notification.Status.FAILED
    notification.last_error = f"{RENDER_FAILED}: {type(error).__name__}"
    notification.message_id = make_msgid(domain=settings.SITE_DOMAIN)
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        return
    logger.error(
        "notification not rendered id=%s kind=%s error=%s",
        notification.pk,
        notification.kind,
        type(error).__name__,
    )


# Recovery.


def retry_notifications(notifications, *, now: datetime | None = None) -> int:
    """Put failed messages back in the queue with a fresh set of attempts (the admin action).

    A message that was never rendered is rendered again first; if that fails again it stays
    failed and is not counted.
    """
    now = now or timezone.now()
    ids = list(notifications.filter(status=Notification.Status.FAILED).values_list("pk", flat=True))
    retried = 0
    for notification in Notification.objects.filter(pk__in=ids).order_by("pk"):
        with transaction.atomic():
            if notification.last_error.startswith(RENDER_FAILED) and not _render_again(
                notification
            ):
                continue
            Notification.objects.filter(
                pk=notification.pk, status=Notification.Status.FAILED
            ).update(status=Notification.Status.QUEUED, attempts=0, next_attempt_at=now)
            transaction.on_commit(functools.partial(tasks.enqueue, notification.pk))
            retried += 1
    return retried


def _render_again(notification: Notification) -> bool:
    render = _renderers.get(notification.kind)
    try:
        if render is None:
            raise LookupError(f"no renderer for {notification.kind}")
        message = render(notification)
    except Exception as error:  # the row stays failed, with the new error's name
        notification.last_error = f"{RENDER_FAILED}: {type(error).__name__}"
        notification.save(update_fields=["last_error"])
        logger.error(
            "notification not rendered id=%s kind=%s error=%s",
            notification.pk,
            notification.kind,
            type(error).__name__,
        )
        return False
    _fill(notification, message)
    notification.last_error = ""
    notification.save(update_fields=[*MESSAGE_FIELDS, "last_error"])
    return True


MESSAGE_FIELDS = (
    "subject",
    "body_text",
    "body_html",
    "calendar_method",
    "calendar",
    "attachment_name",
    "attachment_type",
    "attachment",
)


def _fill(notification: Notification, message: Message) -> None:
    for name in MESSAGE_FIELDS:
        setattr(notification, name, getattr(message, name))


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
        tasks.enqueue(notification_id)
    interrupted = Notification.objects.filter(
        status=Notification.Status.SENDING, last_attempt_at__lt=cutoff
    ).update(
        status=Notification.Status.FAILED,
        last_error="Interrupted while sending: it may not have been delivered. Check, then retry.",
    )
    return {"requeued": len(stale), "interrupted": interrupted}
