"""Background tasks that write what a booking change tells people: thin, by id.

The booking rules enqueue them inside their own transaction (``later``), so a change and its
message commit or roll back together. A task that cannot write its messages fails: the
messages it could not render are in the outbox as failed (``render_failed``), the failure is
logged with ids and the error's name only, and the task itself is marked failed.
"""

from django_tasks import task

from booking import messages
from common.tasks import enqueue_with_transaction, task_rows
from notifications.services import is_suppressed


@task()
def write_new_booking_message(*, ical_uid: str) -> int:
    """Write the message about a new booking (confirmed or waitlisted, read from the row)."""
    return len(messages.queue_new_booking_message(ical_uid=ical_uid))


@task()
def write_booking_messages(
    *, booking_ids: list[int], kind: str, changes: dict | None = None, reason: str = ""
) -> int:
    """Write one message of this kind per booking (e.g. everyone promoted by one change)."""
    return len(messages.queue_messages_for(booking_ids, kind=kind, changes=changes, reason=reason))


@task()
def write_session_messages(*, session_id: int, kind: str, changes: dict | None = None) -> int:
    """Write the message about a change to a session to everyone booked on it."""
    return len(messages.queue_session_messages(session_id, kind=kind, changes=changes))


@task()
def write_attendee_message(
    *, session_id: int, subject: str, body: str, statuses: list[str] | None = None
) -> int:
    """Write a coordinator's message to everyone with a confirmed place (or the given statuses)."""
    return len(
        messages.queue_attendee_message(
            session_id=session_id, subject=subject, body=body, statuses=statuses or ["confirmed"]
        )
    )


def later(task, **kwargs) -> None:
    """Enqueue ``task`` in the current transaction (nothing while messages are suppressed)."""
    if not is_suppressed():
        enqueue_with_transaction(task, **kwargs)


def later_rows(task, **kwargs) -> list:
    """``later`` for a caller that inserts the task's row together with its own rows
    (``book_session``: one statement for the booking and its message task); [] while messages
    are suppressed or when the task backend keeps no rows in this database."""
    if is_suppressed():
        return []
    return task_rows(task, **kwargs)
