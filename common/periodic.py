"""Jobs that run every minute in the worker (``manage.py worker``), so nothing needs cron.

Apps register their jobs from ``AppConfig.ready()`` (a lower layer never imports a higher one,
so the worker learns of the jobs this way). Every job takes ``now`` and must be idempotent,
as two workers may run the same round: the jobs that write messages store them under dedupe
keys, so a second round writes nothing new. One failing job does not stop the others; the
round then raises, so the failure is seen.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

logger = logging.getLogger(__name__)

_jobs: dict[str, Callable[..., object]] = {}


class PeriodicJobsFailed(Exception):
    """Some jobs of a round failed (their names are the arguments); the others ran."""


def register(name: str, job: Callable[..., object]) -> None:
    """Run ``job(now=...)`` in every round; a second registration under a name replaces it."""
    _jobs[name] = job


def registered() -> list[str]:
    return list(_jobs)


def run_periodic_jobs(*, now: datetime | None = None) -> dict[str, object]:
    """Run every registered job once, as of ``now``; return each job's result by name."""
    now = now or timezone.now()
    results, failed = {}, []
    for name, job in _jobs.items():
        try:
            results[name] = job(now=now)
        except Exception as error:  # logged and raised below, after the other jobs ran
            logger.error("periodic job failed job=%s error=%s", name, type(error).__name__)
            failed.append(name)
    if failed:
        raise PeriodicJobsFailed(*failed)
    return results
