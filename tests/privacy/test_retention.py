from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from accounts.models import Sector, User
from audit.models import AuditEvent
from booking import services
from booking.models import Booking
from privacy.retention import apply_retention
from tests.factories import (
    CoordinatorFactory,
    OrganisationFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db

NOW = local(2026, 6, 1, 9)
DAY = timedelta(days=1)


def session_ended(at, **fields):
    """A session that ended at ``at``, two hours long."""
    return SessionFactory(starts_at=at - timedelta(hours=2), ends_at=at, **fields)


def booked(session, person=None, **fields):
    """Book as people do: a week before the session."""
    return services.book_session(
        session,
        person=person or UserFactory(),
        now=session.starts_at - timedelta(days=7),
        **fields,
    )


def report_figures():
    """What the partnership reports: bookings by sector and theme, status and attendance."""
    rows = (
        Booking.objects.values_list(
            "person__organisation__sector", "session__event__themes__slug", "status", "attendance"
        )
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row[:-1]: row[-1] for row in rows}


@pytest.mark.parametrize(
    ("ended", "kept"),
    [
        (NOW - settings.RETENTION_ACCESS_NEEDS + DAY, True),
        (NOW - settings.RETENTION_ACCESS_NEEDS - DAY, False),
    ],
    ids=["a day before it is due", "a day after it is due"],
)
def test_access_needs_removed_thirty_days_after_the_session(ended, kept):
    booking = booked(session_ended(ended), access_needs="Step-free access, please.")

    run = apply_retention(now=NOW)

    booking.refresh_from_db()
    assert booking.access_needs == ("Step-free access, please." if kept else "")
    assert run.access_needs_removed == (0 if kept else 1)


@pytest.mark.parametrize(
    ("ended", "anonymised"),
    [
        (NOW - settings.RETENTION_INACTIVE + DAY, False),
        (NOW - settings.RETENTION_INACTIVE - DAY, True),
    ],
    ids=["a day before it is due", "a day after it is due"],
)
def test_people_anonymised_three_years_after_their_last_session(ended, anonymised):
    booking = booked(session_ended(ended))

    run = apply_retention(now=NOW)

    person = User.objects.get(pk=booking.person_id)
    assert (person.anonymised_at is not None) is anonymised
    assert run.people_anonymised == int(anonymised)


def test_default_periods_follow_the_policy():
    assert (
        settings.RETENTION_ACCESS_NEEDS.days,
        settings.RETENTION_INACTIVE.days,
        settings.RETENTION_UNUSED_ACCOUNT.days,
    ) == (30, 1095, 183)


def test_a_later_booking_or_sign_in_keeps_a_person():
    long_ago = NOW - settings.RETENTION_INACTIVE - 30 * DAY
    rebooked, signed_in, future = UserFactory.create_batch(3)
    for person in (rebooked, signed_in, future):
        booked(session_ended(long_ago), person)
    booked(session_ended(NOW - 100 * DAY), rebooked)
    signed_in.last_login = NOW - 10 * DAY
    signed_in.save()
    services.book_session(
        SessionFactory(starts_at=NOW + 30 * DAY, ends_at=NOW + 30 * DAY + timedelta(hours=2)),
        person=future,
        now=NOW,
    )

    run = apply_retention(now=NOW)

    assert run.people_anonymised == 0
    assert User.objects.filter(anonymised_at__isnull=False).count() == 0


def test_coordinators_are_left_to_the_partnership():
    coordinator = CoordinatorFactory()
    booked(session_ended(NOW - settings.RETENTION_INACTIVE - DAY), coordinator)

    apply_retention(now=NOW)

    coordinator.refresh_from_db()
    assert coordinator.anonymised_at is None


def test_anonymised_person_keeps_organisation_and_bookings_but_nothing_identifying():
    session = session_ended(NOW - settings.RETENTION_INACTIVE - DAY)
    booking = booked(session, access_needs="I use a hearing loop.")
    services.mark_attendance(
        booking, attendance="attended", by=CoordinatorFactory(), now=session.ends_at
    )
    organisation_id = booking.person.organisation_id

    apply_retention(now=NOW)

    person = User.objects.get(pk=booking.person_id)
    assert (person.email, person.full_name, person.job_title) == (
        f"anonymised-{person.pk}@anonymised.invalid",
        "",
        "",
    )
    assert (person.is_active, person.has_usable_password()) == (False, False)
    assert person.organisation_id == organisation_id
    assert person.anonymised_at == NOW
    booking.refresh_from_db()
    assert (booking.status, booking.attendance, booking.access_needs) == (
        "confirmed",
        "attended",
        "",
    )
    assert AuditEvent.objects.filter(action="privacy.anonymised", target_id=str(person.pk)).exists()


def test_report_figures_unchanged_by_anonymisation():
    themes = ThemeFactory.create_batch(2)
    for index, sector in enumerate([Sector.POLICE, Sector.HEALTH, Sector.EDUCATION]):
        session = session_ended(NOW - settings.RETENTION_INACTIVE - (index + 1) * DAY)
        session.event.themes.set(themes[: index % 2 + 1])
        organisation = OrganisationFactory(name=f"Agency {index}", sector=sector)
        for person in UserFactory.create_batch(3, organisation=organisation):
            booking = booked(session, person)
            services.mark_attendance(
                booking,
                attendance="absent" if person.pk % 3 == 0 else "attended",
                by=CoordinatorFactory(),
                now=session.ends_at,
            )
    before = report_figures()

    run = apply_retention(now=NOW)

    assert run.people_anonymised == 9
    assert report_figures() == before


@pytest.mark.parametrize(
    ("joined", "removed"),
    [
        (NOW - settings.RETENTION_UNUSED_ACCOUNT + DAY, False),
        (NOW - settings.RETENTION_UNUSED_ACCOUNT - DAY, True),
    ],
    ids=["a day before it is due", "a day after it is due"],
)
def test_never_used_accounts_removed_after_six_months(joined, removed):
    person = UserFactory(date_joined=joined)

    run = apply_retention(now=NOW)

    assert User.objects.filter(pk=person.pk).exists() is not removed
    assert run.accounts_removed == int(removed)


def test_accounts_that_booked_trained_or_signed_in_are_not_unused():
    joined = NOW - settings.RETENTION_UNUSED_ACCOUNT - DAY
    booker, trainer, signed_in = UserFactory.create_batch(3, date_joined=joined)
    booked(session_ended(NOW - 10 * DAY), booker)
    session_ended(NOW - 10 * DAY).trainers.add(trainer)
    signed_in.last_login = NOW - DAY
    signed_in.save()

    run = apply_retention(now=NOW)

    assert run.accounts_removed == 0
    assert User.objects.count() == 3


def test_dry_run_counts_and_changes_nothing():
    old = NOW - settings.RETENTION_INACTIVE - DAY
    for _ in range(3):
        booked(session_ended(old), access_needs="Large print, please.")
    UserFactory(date_joined=NOW - 365 * DAY)
    before = sorted(User.objects.values_list("pk", "email", "anonymised_at"))

    run = apply_retention(now=NOW, dry_run=True)

    assert (run.access_needs_removed, run.people_anonymised, run.accounts_removed) == (3, 3, 1)
    assert sorted(User.objects.values_list("pk", "email", "anonymised_at")) == before
    assert Booking.objects.filter(access_needs="").count() == 0


def test_works_in_batches_and_a_second_run_finds_nothing():
    old = NOW - settings.RETENTION_INACTIVE - DAY
    for _ in range(5):
        booked(session_ended(old), access_needs="Step-free access, please.")

    first = apply_retention(now=NOW, batch_size=2)
    second = apply_retention(now=NOW, batch_size=2)

    assert (first.access_needs_removed, first.people_anonymised) == (5, 5)
    assert (second.access_needs_removed, second.people_anonymised, second.accounts_removed) == (
        0,
        0,
        0,
    )


def run_command(*args) -> str:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


@pytest.mark.slow
def test_apply_retention_on_the_2021_demo_anonymises_what_is_due_and_keeps_the_figures():
    call_command("load_demo", "--as-published", stdout=StringIO())
    awareness_week = Booking.objects.filter(
        session__event__programme__slug="safeguarding-awareness-week-2021"
    )
    figures = report_figures()
    week_figures = Counter(awareness_week.values_list("status", "attendance"))
    # On 1 October 2024 the cut-off is 2 October 2021: people whose last session was
    # before then are due; those booked on the autumn 2021 courses are not yet.
    cutoff = local(2024, 10, 1, 0) - settings.RETENTION_INACTIVE
    last_session = {
        person.pk: max(b.session.ends_at for b in person.bookings.select_related("session"))
        for person in User.objects.filter(bookings__isnull=False, is_staff=False).distinct()
    }
    due = {pk for pk, ended in last_session.items() if ended < cutoff}
    assert 0 < len(due) < len(last_session)

    output = run_command("--now", "2024-10-01")

    anonymised = set(User.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))
    trainers = set(User.objects.filter(trained_sessions__isnull=False).values_list("pk", flat=True))
    assert anonymised - trainers == due
    assert "- access needs were removed from" in output
    assert f"- {len(anonymised)} people were anonymised" in output
    assert not Booking.objects.exclude(access_needs="").exists()
    assert report_figures() == figures
    assert Counter(awareness_week.values_list("status", "attendance")) == week_figures

    again = run_command("--now", "2024-10-01")

    assert "- access needs were removed from 0 bookings" in again
    assert "- 0 people were anonymised" in again
    assert "- 0 never-used accounts were removed" in again


def test_command_dry_run_says_what_would_happen():
    booked(session_ended(local(2021, 7, 12, 14)), access_needs="Step-free access, please.")

    output = run_command("--dry-run", "--now", "2024-10-01T09:00")

    assert "dry run: nothing changed" in output
    assert "- access needs would be removed from 1 bookings" in output
    assert "- 1 people would be anonymised" in output
    assert Booking.objects.exclude(access_needs="").count() == 1
