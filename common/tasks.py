"""Enqueue a background task so that it commits or rolls back with the change that made it."""

import functools
import logging

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max


def enqueue_with_transaction(task, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Enqueue ``task`` as part of the current transaction on ``using``.

    When the task backend stores its tasks in that same database (the default
    ``DatabaseBackend``), the task row is written right here, so the change and its task commit
    or roll back together: a dropped connection after the COMMIT cannot lose the task, and a
    rolled-back change leaves no task behind (the worker never sees an uncommitted row). An
    error here propagates and rolls the change back. Any other backend (immediate, an external
    queue) would run or publish before the commit, so it is handed the task on commit instead.
    """
    if _stored_in(task, using):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(functools.partial(task.enqueue, **kwargs), using=using)


def task_rows(task, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> list[DBTaskResult]:
    """``enqueue_with_transaction`` for a caller that writes the task's row itself.

    Returns the unsaved row ``DatabaseBackend.enqueue`` would write, for the caller to insert
    in its own transaction, with its own rows, in one statement (``common.sql.insert_together``)
    and then pass to ``enqueued``. With any other backend the task is handed over on commit,
    as above, and there is no row: ``[]``.
    """
    if not _stored_in(task, using):
        transaction.on_commit(functools.partial(task.enqueue, **kwargs), using=using)
        return []
    backend = task.get_backend()
    backend.validate_task(task)
    return [
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs=normalize_json({"args": [], "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(),
            backend_name=backend.alias,
        )
    ]


def enqueued(rows: list[DBTaskResult]) -> None:
    """Announce inserted task rows as ``DatabaseBackend.enqueue`` does.

    The signal's own receiver only writes a DEBUG line (django_tasks' log), and building each
    row's ``TaskResult`` for it was a twenty-fifth of a booking request's CPU
    (docs/performance.md), so it is sent when that line would be written or when anyone else
    listens.
    """
    if not rows:
        return
    if len(task_enqueued.receivers) <= 1 and not _TASKS_LOG.isEnabledFor(logging.DEBUG):
        return
    for row in rows:
        task_enqueued.send(DatabaseBackend, task_result=row.task_result)


_TASKS_LOG = logging.getLogger("django_tasks")


def _stored_in(task, using: str) -> bool:
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return router.db_for_write(DBTaskResult) == using
