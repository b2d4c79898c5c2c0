"""Board figures against a small programme worked out by hand (see the fixture's comments)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from backoffice.reports import ReportFilters, partnership_report
from booking import services
from booking.models import Booking
from tests.factories import (
    EventFactory,
    OrganisationFactory,
    ProgrammeFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    book_three_days_before,
    local,
    mark_at_the_end,
)

pytestmark = pytest.mark.django_db

NOW = local(2021, 7, 20, 9)


def _person(name, sector=None):
    organisation = OrganisationFactory(name=f"{sector} agency", sector=sector) if sector else None
    return UserFactory(full_name=name, organisation=organisation)


@pytest.fixture
def programme(coordinator):
    """Awareness Week (3 scheduled sessions, 1 cancelled) and one session of another programme.

    S1 12 Jul, themes CSA + Voice, capacity 3: Ann (health) attended, Ben (police) absent,
       Eve (education) cancelled late so Dan (education) was promoted and attended,
       Fay (no organisation) still waiting.
    S2 13 Jul, Voice, capacity 4: Gus (police) attended, Hal (health) cancelled early.
    S3 14 Jul, no theme, cancelled with Ida's booking.
    S5 30 Jul (after NOW), Voice, capacity 5: Kim (health) booked.
    S4 other programme, CSA, capacity 10: Jo (health) attended.
    """
    week = ProgrammeFactory(slug="awareness-week", title="Awareness Week")
    other = ProgrammeFactory(slug="other", title="Other")
    csa = ThemeFactory(slug="csa", title="Child Sexual Abuse")
    voice = ThemeFactory(slug="voice", title="Voice of the Child")
    both = EventFactory(programme=week)
    both.themes.set([csa, voice])
    voice_only = EventFactory(programme=week)
    voice_only.themes.set([voice])
    no_theme = EventFactory(programme=week)
    elsewhere = EventFactory(programme=other)
    elsewhere.themes.set([csa])

    def session(event, day, capacity):
        return SessionFactory(
            event=event,
            starts_at=local(2021, 7, day, 12),
            ends_at=local(2021, 7, day, 14, 30),
            capacity=capacity,
        )

    s1 = session(both, 12, 3)
    ann = book_three_days_before(s1, _person("Ann", "health"))
    ben = book_three_days_before(s1, _person("Ben", "police"))
    eve = book_three_days_before(s1, _person("Eve", "education"))
    dan = book_three_days_before(s1, _person("Dan", "education"))
    services.cancel_booking(eve, by=eve.person, now=s1.starts_at - timedelta(hours=1))
    book_three_days_before(s1, _person("Fay"))
    mark_at_the_end(ann, Booking.Attendance.ATTENDED, by=coordinator)
    mark_at_the_end(ben, Booking.Attendance.ABSENT, by=coordinator)
    mark_at_the_end(dan, Booking.Attendance.ATTENDED, by=coordinator)

    s2 = session(voice_only, 13, 4)
    mark_at_the_end(
        book_three_days_before(s2, _person("Gus", "police")),
        Booking.Attendance.ATTENDED,
        by=coordinator,
    )
    hal = book_three_days_before(s2, _person("Hal", "health"))
    services.cancel_booking(hal, by=hal.person, now=s2.starts_at - timedelta(days=2, hours=1))

    s3 = session(no_theme, 14, 6)
    book_three_days_before(s3, _person("Ida", "housing"))
    services.cancel_session(s3, by=coordinator, reason="Trainer unwell")

    book_three_days_before(session(voice_only, 30, 5), _person("Kim", "health"))

    s4 = session(elsewhere, 15, 10)
    mark_at_the_end(
        book_three_days_before(s4, _person("Jo", "health")),
        Booking.Attendance.ATTENDED,
        by=coordinator,
    )
    return {"week": week, "csa": csa, "voice": voice}


def test_report_totals_for_a_programme(programme):
    report = partnership_report(ReportFilters(programme=programme["week"]), now=NOW)

    assert report.total.as_row() == ("All sessions", 3, 2, 12, 5, 42, 1, 3, 1, 75, 1)
    assert report.sessions_cancelled == 1


def test_report_by_theme_counts_a_session_under_each_of_its_themes(programme):
    report = partnership_report(ReportFilters(programme=programme["week"]), now=NOW)

    assert [row.as_row() for row in report.by_theme] == [
        ("Child Sexual Abuse", 1, 1, 3, 3, 100, 1, 2, 1, 67, 1),
        ("Voice of the Child", 3, 2, 12, 5, 42, 1, 3, 1, 75, 1),
    ]


def test_report_by_sector_lists_every_sector_and_people_without_one(programme):
    report = partnership_report(ReportFilters(programme=programme["week"]), now=NOW)

    assert [row.as_row() for row in report.by_sector] == [
        ("Children's social care", None, None, None, 0, None, 0, 0, 0, None, 0),
        ("Police", None, None, None, 2, None, 0, 1, 1, 50, 0),
        ("Health", None, None, None, 2, None, 0, 1, 0, 100, 0),
        ("Education", None, None, None, 1, None, 0, 1, 0, 100, 1),
        ("Early years", None, None, None, 0, None, 0, 0, 0, None, 0),
        ("Voluntary and community", None, None, None, 0, None, 0, 0, 0, None, 0),
        ("Housing", None, None, None, 0, None, 0, 0, 0, None, 0),
        ("Probation", None, None, None, 0, None, 0, 0, 0, None, 0),
        ("Other", None, None, None, 0, None, 0, 0, 0, None, 0),
        ("Not recorded", None, None, None, 0, None, 1, 0, 0, None, 0),
    ]


def test_report_date_range_uses_uk_dates(programme):
    filters = ReportFilters(
        programme=programme["week"], date_from=date(2021, 7, 12), date_to=date(2021, 7, 13)
    )

    report = partnership_report(filters, now=NOW)

    assert report.total.as_row() == ("All sessions", 2, 2, 7, 4, 57, 1, 3, 1, 75, 1)


def test_report_theme_filter_keeps_the_other_themes_of_its_sessions(programme):
    report = partnership_report(ReportFilters(theme=programme["csa"]), now=NOW)

    assert report.total.as_row() == ("All sessions", 2, 2, 13, 4, 31, 1, 3, 1, 75, 1)
    assert [row.as_row() for row in report.by_theme] == [
        ("Child Sexual Abuse", 2, 2, 13, 4, 31, 1, 3, 1, 75, 1),
        ("Voice of the Child", 1, 1, 3, 3, 100, 1, 2, 1, 67, 1),
    ]


def test_report_page_shows_tables_and_accessible_charts(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.get(reverse("staff:reports"), {"programme": "awareness-week"})

    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page
    assert '<desc id="chart-sector-desc">Children&#x27;s social care: no data; Police: 50%;' in page
    assert '<th scope="row" class="govuk-table__header">Voice of the Child</th>' in page


def test_report_page_explains_invalid_dates(client, coordinator):
    client.force_login(coordinator)

    response = client.get(
        reverse("staff:reports"), {"date_from": "2021-07-16", "date_to": "2021-07-12"}
    )

    assert response.context["report"] is None
    assert "The end date must be the same as or after the start date." in response.content.decode()


def test_report_csv_download(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.get(reverse("staff:reports_csv"), {"programme": "awareness-week"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Breakdown", "Group", "Sessions scheduled", "Sessions run"]
    assert rows[2] == [
        "Theme",
        "Child Sexual Abuse",
        "1",
        "1",
        "3",
        "3",
        "100",
        "1",
        "2",
        "1",
        "67",
        "1",
    ]
    assert rows[5] == ["Sector", "Police", "", "", "", "2", "", "0", "1", "1", "50", "0"]
    # header, total, 2 themes, 10 sectors; a blank line; the evaluation header, total, 2 themes;
    # a blank line, the share header, 4 sectors of the programme and 4 + 1 + 1 of its sessions
    assert len(rows) == 1 + 1 + 2 + 10 + 1 + 1 + 1 + 2 + 1 + 1 + 4 + 6
    assert rows[15] == [
        "Evaluation breakdown",
        "Group",
        "Evaluations",
        "Response rate %",
        "Confidence before (1-5)",
        "Confidence after (1-5)",
        "Usefulness (1-5)",
    ]


@pytest.mark.parametrize("sessions", [1, 3])
def test_report_query_count_is_constant(sessions, coordinator, django_assert_num_queries):
    theme = ThemeFactory()
    for day in range(sessions):
        event = EventFactory()
        event.themes.set([theme, ThemeFactory()])
        session = SessionFactory(
            event=event,
            starts_at=local(2021, 7, 12 + day, 12),
            ends_at=local(2021, 7, 12 + day, 14),
        )
        for sector in ("health", "police"):
            mark_at_the_end(
                book_three_days_before(session, _person("Pat", sector)), "attended", by=coordinator
            )

    with django_assert_num_queries(8):
        partnership_report(ReportFilters(theme=theme), now=NOW)


@pytest.mark.parametrize("sessions", [1, 3])
def test_report_page_query_count_is_constant(
    client, coordinator, sessions, django_assert_num_queries
):
    programme = ProgrammeFactory(slug="week")
    for day in range(sessions):
        session = SessionFactory(
            event=EventFactory(programme=programme),
            starts_at=local(2021, 7, 12 + day, 12),
            ends_at=local(2021, 7, 12 + day, 14),
        )
        book_three_days_before(session, _person("Pat", "health"))
    client.force_login(coordinator)

    # sign-in session, user, coordinator check, programme lookup, eight report queries,
    # trainer check (menu), programme and theme choices for the filter form
    with django_assert_num_queries(15):
        client.get(reverse("staff:reports"), {"programme": "week"})


def _shares(groups) -> list:
    return [
        (
            group.label,
            [
                (s.label, s.places, s.places_share, s.waiting, s.waitlist_share)
                for s in group.sectors
            ],
        )
        for group in groups
    ]


def test_sector_shares_of_places_and_waitlists_per_programme_and_session(programme):
    report = partnership_report(ReportFilters(programme=programme["week"]), now=NOW)

    # Places held: Ann and Kim (health), Ben and Gus (police), Dan (education); Fay waits.
    assert _shares(report.shares_by_programme) == [
        (
            "Awareness Week",
            [
                ("Police", 2, 40, 0, 0),
                ("Health", 2, 40, 0, 0),
                ("Education", 1, 20, 0, 0),
                ("Not recorded", 0, 0, 1, 100),
            ],
        )
    ]
    label, first = _shares(report.shares_by_session)[0]
    assert label.endswith(", 12 Jul 2021 12:00")
    assert first == [
        ("Police", 1, 33, 0, 0),
        ("Health", 1, 33, 0, 0),
        ("Education", 1, 33, 0, 0),
        ("Not recorded", 0, 0, 1, 100),
    ]
    assert [group.places for group in report.shares_by_session] == [3, 1, 1]


def test_sector_shares_appear_on_the_page_and_in_the_csv(client, coordinator, programme):
    client.force_login(coordinator)

    page = client.get(reverse("staff:reports"), {"programme": "awareness-week"}).content.decode()
    csv_text = client.get(
        reverse("staff:reports_csv"), {"programme": "awareness-week"}
    ).content.decode("utf-8-sig")

    assert "Places and waitlists by sector" in page
    assert "Shares by programme" in page
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["Programme", "Awareness Week", "Police", "2", "40", "0", "0"] in rows
    assert ["Programme", "Awareness Week", "Not recorded", "0", "0", "1", "100"] in rows
