from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import Sector, User
from backoffice.reports import ReportFilters, partnership_report
from booking.models import Booking, Evaluation
from booking.queries import training_record
from events.models import Event, Programme, Session

pytestmark = pytest.mark.django_db


def load(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return (
        sorted(Session.objects.values_list("uid", "starts_at", "capacity")),
        sorted(Booking.objects.values_list("session_id", "person_id", "status")),
        User.objects.count(),
        Event.objects.count(),
    )


def test_load_demo_twice_changes_nothing():
    load()
    first = snapshot()

    load()

    assert snapshot() == first


def test_load_demo_as_published_uses_2021_dates():
    load("--as-published")

    monday = Session.objects.get(event__slug="awareness-voice-of-the-child")
    january = Session.objects.get(event__slug="child-sexual-abuse-harm", starts_at__month=1)
    assert monday.starts_at == datetime(2021, 7, 12, 11, 0, tzinfo=UTC)
    assert monday.ends_at == datetime(2021, 7, 12, 13, 30, tzinfo=UTC)
    assert january.starts_at == datetime(2021, 1, 12, 12, 0, tzinfo=UTC)
    assert sorted(Programme.objects.values_list("title", flat=True)) == [
        "Multi-agency Training Schedule 2021",
        "Safeguarding Awareness Week 2021",
    ]


def test_load_demo_by_default_titles_programmes_with_the_years_they_now_run_in():
    load()

    for programme in Programme.objects.all():
        years = {programme.starts_on.year, programme.ends_on.year}
        label = programme.title.rsplit(" ", 1)[1]
        if len(years) == 1:
            assert label == str(programme.starts_on.year)
        else:
            assert label == f"{programme.starts_on.year}\u2013{programme.ends_on.year % 100:02d}"
        assert "2021" not in programme.title or 2021 in years


def test_load_demo_awareness_week_is_five_lunchtimes_monday_to_friday():
    load()

    week = Session.objects.filter(event__programme__slug="safeguarding-awareness-week-2021")
    local_starts = [timezone.localtime(s.starts_at) for s in week]
    assert [s.strftime("%a %H:%M") for s in local_starts] == [
        "Mon 12:00",
        "Tue 12:00",
        "Wed 12:00",
        "Thu 12:00",
        "Fri 12:00",
    ]
    assert {s.event.themes.get().slug for s in week} == {
        "voice-of-the-child",
        "risk-and-cumulative-harm",
        "decision-making",
        "child-sexual-abuse",
        "child-exploitation",
    }
    assert local_starts[0] > timezone.localtime()


def test_load_demo_by_default_is_bookable_and_partly_full():
    load()

    upcoming = Session.objects.filter(starts_at__gt=timezone.now())
    assert upcoming.count() == 5 + 13
    assert not upcoming.exclude(bookings__attendance="unmarked").filter(bookings__isnull=False)
    full = upcoming.filter(bookings__status="waitlisted").distinct().count()
    assert full >= 2
    assert Programme.objects.filter(published=True).count() == 2
    assert Event.objects.filter(programme__slug="multi-agency-training-2021").count() >= 6


def test_load_demo_people_are_invented_and_cover_every_sector():
    output = load()

    emails = User.objects.values_list("email", flat=True)
    assert all(e.endswith(("@example.org", "@example.com")) for e in emails)
    sectors = set(User.objects.values_list("organisation__sector", flat=True))
    assert sectors >= {s.value for s in Sector if s != Sector.OTHER}
    assert "helen.marsh@example.org" in output
    trainers = User.objects.filter(trained_sessions__isnull=False).distinct()
    assert trainers.count() == 2
    assert len({t.organisation_id for t in trainers}) == 2


def test_load_demo_as_published_has_a_years_history():
    load("--as-published")

    attendance = set(Booking.objects.values_list("attendance", flat=True))
    assert {"attended", "absent"} <= attendance
    assert Booking.objects.filter(late_cancellation=True).exists()
    assert Booking.objects.exclude(access_needs="").exists()
    assert Booking.objects.filter(status="waitlisted").exists()


def test_load_demo_by_default_has_last_terms_history():
    load()

    past = Session.objects.filter(ends_at__lt=timezone.now())
    assert past.count() == 7
    assert all(timezone.now() - s.starts_at < timedelta(weeks=12) for s in past)
    bookings = Booking.objects.filter(session__in=past)
    attendance = set(bookings.values_list("attendance", flat=True))
    assert {"attended", "absent"} <= attendance
    assert bookings.filter(late_cancellation=True).exists()
    assert bookings.filter(attendance_marked_by=F("person")).exists()  # self check-in
    assert Evaluation.objects.count() > bookings.filter(attendance="attended").count() // 2
    report = partnership_report(ReportFilters())
    assert report.evaluation.confidence_before < report.evaluation.confidence_after


def test_load_demo_practitioner_has_a_training_record():
    load()

    alex = User.objects.get(email="alex.morgan@example.org")
    rows = training_record(alex)

    assert len(rows) == 3
    assert [row.certificate_available for row in rows] == [False, True, True]
    assert all(row.refresher_due for row in rows)
