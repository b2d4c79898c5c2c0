"""The hand-off from the booking rules to outbound messages.

Called after the booking transaction commits. For now this only logs what would be sent; the
notifications work (outbox, emails, invitations) fills these functions in.
"""

import contextlib
import contextvars
import logging

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)

_suppressed = contextvars.ContextVar("notifications_suppressed", default=False)


@contextlib.contextmanager
def suppressed():
    """Record nothing and send nothing inside this block (loading demo history, imports)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def booking_changed(*, booking_id: int, kind: str) -> None:
    """Tell the booking's person what happened to their booking."""
    if _suppressed.get():
        return
    logger.info("notification kind=%s booking=%s", kind, booking_id)


def session_changed(*, session_id: int, changes: dict[str, tuple[str, str]]) -> None:
    """Tell everyone booked on the session what changed (old → new), with updated invitations."""
    if _suppressed.get():
        return
    logger.info(
        "notification kind=session_changed session=%s fields=%s", session_id, sorted(changes)
    )


def session_cancelled(*, session_id: int, booking_ids: list[int], reason: str) -> None:
    """Tell everyone who was booked that the session is cancelled, with CANCEL invitations."""
    if _suppressed.get():
        return
    logger.info(
        "notification kind=session_cancelled session=%s bookings=%s", session_id, len(booking_ids)
    )


def send_sign_in_link(*, user, link: str) -> None:
    """Email a one-time sign-in link to the person.

    A plain message until the notifications work replaces it with its templated email.
    """
    logger.info("notification kind=sign_in_link user=%s", user.pk)
    send_mail(
        subject=f"Sign in to {settings.PARTNERSHIP_NAME} training",
        message=(
            f"Use this link to sign in. It works once, within "
            f"{int(settings.SESAME_MAX_AGE.total_seconds() // 60)} minutes:\n\n{link}\n\n"
            "If you did not ask to sign in, you can ignore this email."
        ),
        from_email=None,
        recipient_list=[user.email],
    )
