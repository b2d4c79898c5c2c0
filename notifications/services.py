"""The hand-off from the booking rules to outbound messages.

Called after the booking transaction commits. For now this only logs what would be sent; the
notifications work (outbox, emails, invitations) fills these functions in.
"""

import contextlib
import contextvars
import logging

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
    """Email a one-time sign-in link to the person."""
    logger.info("notification kind=sign_in_link user=%s", user.pk)


def certificate_available(*, booking_id: int) -> None:
    """Send the attendee the link to their certificate of attendance and ask for feedback."""
    if _suppressed.get():
        return
    logger.info("notification kind=certificate_available booking=%s", booking_id)


def message_attendees(*, session_id: int, subject: str, body: str) -> None:
    """Email a coordinator's message to everyone with a confirmed place at the session."""
    if _suppressed.get():
        return
    logger.info("notification kind=message_attendees session=%s", session_id)
