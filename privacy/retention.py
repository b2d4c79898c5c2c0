"""Retention: anonymise or remove personal data once the policy says its time is up.

The periods come from settings (``RETENTION_*``, see docs/data-protection.md). Each kind of
data is selected by a query that says what is due at a given moment, and then handled in
batches, each in its own transaction, so a long first run never holds locks for long and an
interrupted run simply carries on next time. Everything is idempotent: what has been handled no
longer matches, so a second run finds nothing to do.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.roles import COORDINATORS_GROUP
from audit.services import record, relabel_actor
from booking.models import Booking
from events.models import Session
from notifications.models import Notification
from privacy.services import UNSENT_NOTIFICATION_STATUSES, anonymise_person, anonymised_email

logger = logging.getLogger(__name__)


# Stores kept by apps above this one, each purged by retention through a function the app
# registers in its AppConfig.ready() (a lower layer never imports a higher one):
# ``purge(now, dry_run) -> count``. The API's idempotency records are one.
_purges: dict[str, Callable[[datetime, bool], int]] = {}


def register_purge(what: str, purge: Callable[[datetime, bool], int]) -> None:
    """Have every retention run purge ``what`` (a plural noun for the report) as well."""
    _purges[what] = purge


@dataclass
class RetentionRun:
    now: datetime
    dry_run: bool
    access_needs_removed: int = 0
    people_anonymised: int = 0
    accounts_removed: int = 0
    messages_deleted: int = 0
    purged: dict[str, int] = field(default_factory=dict)

    def report(self) -> list[str]:
        """Say what was done (or would be, in a dry run), one line per kind of data."""
        done = "would be" if self.dry_run else "were"
        return [
            f"Retention at {timezone.localtime(self.now):%Y-%m-%d %H:%M %Z}"
            f"{' (dry run: nothing changed)' if self.dry_run else ''}:",
            f"- access needs {done} removed from {self.access_needs_removed} bookings "
            f"(sessions that ended more than {settings.RETENTION_ACCESS_NEEDS.days} days ago)",
            f"- {self.people_anonymised} people {done} anonymised "
            f"(no booking or sign-in for {settings.RETENTION_INACTIVE.days} days)",
            f"- {self.accounts_removed} never-used accounts {done} removed "
            f"(older than {settings.RETENTION_UNUSED_ACCOUNT.days} days, nothing booked)",
            f"- {self.messages_deleted} sent emails to anonymised people {done} deleted",
            *(f"- {count} {what} {done} deleted" for what, count in self.purged.items()),
        ]


def apply_retention(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int | None = None
) -> RetentionRun:
    """Apply the retention policy as it stands at ``now``; with ``dry_run`` only count."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    run = RetentionRun(now=now, dry_run=dry_run)

    def handle(due: QuerySet, action: Callable[[QuerySet], None]) -> int:
        if dry_run:
            return due.count()
        handled = 0
        for batch in _batches(list(due.values_list("pk", flat=True)), batch_size):
            with transaction.atomic():
                # Select again inside the transaction: only what is still due is touched.
                rows = due.filter(pk__in=batch)
                handled += rows.count()
                action(rows)
        return handled

    run.access_needs_removed = handle(
        access_needs_due(now), lambda rows: rows.update(access_needs="")
    )
    run.people_anonymised = handle(people_due_for_anonymising(now), _anonymise_all(now))
    run.accounts_removed = handle(unused_accounts_due(now), _remove_all(now))
    run.messages_deleted = handle(
        Notification.objects.filter(user__anonymised_at__isnull=False).exclude(
            status__in=UNSENT_NOTIFICATION_STATUSES
        ),
        lambda rows: rows.delete(),
    )
    for what, purge in _purges.items():
        run.purged[what] = purge(now, dry_run)
    if not dry_run:
        logger.info("retention applied: %s", run)
    return run


def access_needs_due(now: datetime) -> QuerySet:
    """Bookings still holding access needs for a session that ended over the period ago."""
    cutoff = now - settings.RETENTION_ACCESS_NEEDS
    return Booking.objects.exclude(access_needs="").filter(session__ends_at__lt=cutoff)


def people_due_for_anonymising(now: datetime) -> QuerySet:
    """People who booked or trained, with no booking activity or sign-in for the period.

    Activity is making or cancelling a booking, a booked or trained session taking place,
    signing in, or using the API (a token made or used). Staff and coordinators are left to
    the partnership to manage by hand.
    """
    cutoff = now - settings.RETENTION_INACTIVE
    bookings = Booking.objects.filter(person=OuterRef("pk"))
    trained = Session.objects.filter(trainers=OuterRef("pk"))
    recent_booking = bookings.filter(
        Q(created_at__gte=cutoff) | Q(cancelled_at__gte=cutoff) | Q(session__ends_at__gte=cutoff)
    )
    return (
        _people_policy_applies_to()
        .filter(anonymised_at__isnull=True)
        .filter(Exists(bookings) | Exists(trained))
        .exclude(Exists(recent_booking))
        .exclude(Exists(trained.filter(ends_at__gte=cutoff)))
        .exclude(last_login__gte=cutoff)
        .exclude(Exists(api_use_since(cutoff)))
    )


def unused_accounts_due(now: datetime) -> QuerySet:
    """Accounts older than the period that never booked or trained, and have not signed in or
    used the API within it."""
    cutoff = now - settings.RETENTION_UNUSED_ACCOUNT
    return (
        _people_policy_applies_to()
        .filter(date_joined__lt=cutoff)
        .exclude(Exists(Booking.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(Session.objects.filter(trainers=OuterRef("pk"))))
        .exclude(last_login__gte=cutoff)
        .exclude(Exists(api_use_since(cutoff)))
    )


def api_use_since(cutoff: datetime) -> QuerySet:
    """The outer person's API tokens made or used since ``cutoff``: API use is activity."""
    return ApiToken.objects.filter(user=OuterRef("pk")).filter(
        Q(created_at__gte=cutoff) | Q(last_used_at__gte=cutoff)
    )


def _people_policy_applies_to() -> QuerySet:
    return User.objects.filter(is_staff=False, is_superuser=False).exclude(
        groups__name=COORDINATORS_GROUP
    )


def _anonymise_all(now: datetime) -> Callable[[QuerySet], None]:
    def anonymise(people: QuerySet) -> None:
        for person in people:
            anonymise_person(person, now=now)
            record("privacy.anonymised", actor=None, target=person, reason="inactive")

    return anonymise


def _remove_all(now: datetime) -> Callable[[QuerySet], None]:
    def remove(people: QuerySet) -> None:
        for person in people:
            Notification.objects.filter(user=person).exclude(
                status__in=UNSENT_NOTIFICATION_STATUSES
            ).delete()
            record("privacy.account_removed", actor=None, target=person, reason="never used")
            # What the account did stays in the audit trail, under an anonymous label.
            relabel_actor(person.pk, anonymised_email(person))
            try:
                with transaction.atomic():
                    person.delete()
            except ProtectedError:
                # Something we may not delete points at the account: keep an empty row.
                anonymise_person(person, now=now)

    return remove


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
