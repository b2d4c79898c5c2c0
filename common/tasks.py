"""Enqueue a background task so that it commits or rolls back with the change that made it."""

import functools

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult


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


def _stored_in(task, using: str) -> bool:
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return router.db_for_write(DBTaskResult) == using
