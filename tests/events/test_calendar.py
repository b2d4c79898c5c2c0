"""The session .ics builder (events.calendar), checked by parsing its output back with four
independent readers."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from django.conf import settings
from django.utils import timezone

from events import calendar
from events.models import Session
from events.queries import sessions_for_calendar
from tests import ical_readers
from tests.factories import (
    EventFactory,
    ProgrammeFactory,
    SessionFactory,
    ThemeFactory,
    local,
)

pytestmark = pytest.mark.django_db

STAMP = datetime(2021, 1, 1, 9, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.get_default_timezone())


# (London start, London end, UTC start, UTC end): BST from the last Sunday of March, GMT from the
# last Sunday of October, in several years, on both sides of each change, and across one.
SEASONS = [
    ("2021-01-12T12:00", "2021-01-12T14:30", "2021-01-12T12:00Z", "2021-01-12T14:30Z"),
    ("2021-07-12T12:00", "2021-07-12T14:30", "2021-07-12T11:00Z", "2021-07-12T13:30Z"),
    ("2024-01-15T09:30", "2024-01-15T12:00", "2024-01-15T09:30Z", "2024-01-15T12:00Z"),
    ("2024-07-15T09:30", "2024-07-15T12:00", "2024-07-15T08:30Z", "2024-07-15T11:00Z"),
    ("2027-03-26T12:00", "2027-03-26T14:00", "2027-03-26T12:00Z", "2027-03-26T14:00Z"),
    ("2027-03-29T12:00", "2027-03-29T14:00", "2027-03-29T11:00Z", "2027-03-29T13:00Z"),
    ("2027-10-29T12:00", "2027-10-29T14:00", "2027-10-29T11:00Z", "2027-10-29T13:00Z"),
    ("2027-10-30T23:00", "2027-10-31T03:00", "2027-10-30T22:00Z", "2027-10-31T03:00Z"),
    ("2030-01-14T12:00", "2030-01-14T14:00", "2030-01-14T12:00Z", "2030-01-14T14:00Z"),
    ("2030-07-15T12:00", "2030-07-15T14:00", "2030-07-15T11:00Z", "2030-07-15T13:00Z"),
    ("2030-10-28T12:00", "2030-10-28T14:00", "2030-10-28T12:00Z", "2030-10-28T14:00Z"),
    ("2035-06-12T12:00", "2035-06-12T14:00", "2035-06-12T11:00Z", "2035-06-12T13:00Z"),
    ("2040-12-12T12:00", "2040-12-12T14:00", "2040-12-12T12:00Z", "2040-12-12T14:00Z"),
]


def session_uid(session) -> str:
    return f"{session.uid}@{settings.SITE_DOMAIN}"


def loaded(*sessions) -> list[Session]:
    return list(sessions_for_calendar(Session.objects.filter(pk__in=[s.pk for s in sessions])))


def only_event(ics: bytes) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


@pytest.fixture
def seasonal_feed():
    event = EventFactory()
    sessions = [
        SessionFactory(event=event, starts_at=london(start), ends_at=london(end))
        for start, end, *_ in SEASONS
    ]
    expected = {
        session_uid(session): (datetime.fromisoformat(utc_start), datetime.fromisoformat(utc_end))
        for session, (_, _, utc_start, utc_end) in zip(sessions, SEASONS, strict=True)
    }
    return calendar.sessions_feed(loaded(*sessions), name="Seasons", now=STAMP), expected


@pytest.mark.parametrize("reader", ical_readers.READERS)
def test_every_reader_sees_the_same_utc_instants_in_summer_and_winter(
    reader, seasonal_feed, tmp_path
):
    ics, expected = seasonal_feed

    assert ical_readers.READERS[reader](ics, tmp_path) == expected


def test_awareness_week_lunchtime_is_eleven_utc_in_july_and_noon_in_january(seasonal_feed):
    ics, _ = seasonal_feed

    instants = sorted(ical_readers.read_with_icalendar(ics).values())

    assert instants[0][0] == utc(2021, 1, 12, 12)
    assert instants[1][0] == utc(2021, 7, 12, 11)
    assert b"DTSTART;TZID=Europe/London:20210712T120000\r\n" in ics


def test_vtimezone_is_the_rrule_pair_and_matches_the_tz_database(seasonal_feed):
    ics, _ = seasonal_feed
    (zone,) = icalendar.Calendar.from_ical(ics).walk("VTIMEZONE")

    rules = {part.name: part["rrule"].to_ical() for part in zone.subcomponents}
    assert rules == {
        "DAYLIGHT": b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "STANDARD": b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    }
    assert b"RDATE" not in ics
    # The zone as written (not the tz database) gives the offsets of every season above.
    written = zone.to_tz()
    for start, end, utc_start, utc_end in SEASONS:
        for wall_clock, instant in ((start, utc_start), (end, utc_end)):
            as_written = datetime.fromisoformat(wall_clock).replace(tzinfo=written)
            assert as_written.astimezone(UTC) == datetime.fromisoformat(instant)


def test_ical_js_misreads_a_zone_written_as_rdates_control(tmp_path):
    """Control: the ical.js check can see the fault the RRULE pair avoids."""
    session = SessionFactory(starts_at=local(2024, 7, 12, 12), ends_at=local(2024, 7, 12, 14))
    good = calendar.single_session(loaded(session)[0], now=STAMP)
    rdates = icalendar.Timezone.from_tzid(
        "Europe/London", first_date=date(2020, 1, 1), last_date=date(2031, 1, 1)
    )
    bad = icalendar.Calendar.from_ical(good)
    bad.subcomponents = [rdates if c.name == "VTIMEZONE" else c for c in bad.subcomponents]
    uid = session_uid(session)

    assert ical_readers.read_with_ical_js(good, tmp_path)[uid][0] == utc(2024, 7, 12, 11)
    assert ical_readers.read_with_ical_js(bad.to_ical(), tmp_path)[uid][0] == utc(2024, 7, 12, 12)


def test_lines_end_in_crlf_and_fold_at_75_octets():
    theme = ThemeFactory(title="Voice and Lived Experience of the Child")
    event = EventFactory(
        title="Café conversations — the child's voice in multi-agency practice " * 3,
        summary="Case discussion for social workers, teachers, GPs, health visitors, police "
        "officers, youth workers, nursery staff and voluntary groups — all welcome.",
    )
    event.themes.add(theme)
    session = SessionFactory(event=event)

    ics = calendar.single_session(loaded(session)[0], now=STAMP)

    assert ics.endswith(b"\r\n")
    assert b"\n" not in ics.replace(b"\r\n", b"")
    lines = ics.split(b"\r\n")
    assert max(len(line) for line in lines) == 75
    assert any(line.startswith(b" ") for line in lines)
    assert only_event(ics)["summary"] == event.title


def test_session_vevent_carries_identity_status_and_public_details(settings):
    settings.SITE_URL = "https://training.example.org"
    settings.SITE_DOMAIN = "training.example.org"
    voice = ThemeFactory(title="Voice and Lived Experience of the Child")
    harm = ThemeFactory(title="Risk Assessment and Cumulative Harm")
    event = EventFactory(title="Hearing the child", summary="Case discussion.")
    event.themes.add(voice, harm)
    session = SessionFactory(
        event=event,
        delivery=Session.Delivery.ONLINE,
        venue=None,
        join_url="https://meet.example.org/x",
    )

    vevent = calendar.session_vevent(loaded(session)[0], now=STAMP)

    assert str(vevent["uid"]) == f"{session.uid}@training.example.org"
    assert vevent["sequence"] == 0
    assert vevent.decoded("dtstamp") == STAMP
    assert vevent["dtstart"].params["TZID"] == "Europe/London"
    assert str(vevent["summary"]) == "Hearing the child"
    assert str(vevent["description"]) == (
        f"Case discussion.\n\nDetails: https://training.example.org/sessions/{session.pk}/"
    )
    assert str(vevent["location"]) == "Online"
    assert str(vevent["url"]) == f"https://training.example.org/sessions/{session.pk}/"
    assert str(vevent["status"]) == "CONFIRMED"
    assert vevent["categories"].cats == [
        "Risk Assessment and Cumulative Harm",
        "Voice and Lived Experience of the Child",
    ]
    assert "meet.example.org" not in vevent.to_ical().decode()


def test_cancelled_session_is_status_cancelled_with_its_reason():
    session = SessionFactory(status=Session.Status.CANCELLED, cancellation_reason="Trainer ill.")

    vevent = calendar.session_vevent(loaded(session)[0], now=STAMP)

    assert str(vevent["status"]) == "CANCELLED"
    assert str(vevent["transp"]) == "TRANSPARENT"
    assert str(vevent["description"]).startswith("Cancelled: Trainer ill.\n\n")


def test_feed_calendar_properties_for_subscribers():
    programme = ProgrammeFactory(title="Safeguarding Awareness Week 2021")
    session = SessionFactory(event=EventFactory(programme=programme))

    feed = icalendar.Calendar.from_ical(
        calendar.sessions_feed(loaded(session), name=programme.title, now=STAMP)
    )

    assert {key: feed[key].to_ical() for key in feed} == {
        "PRODID": b"-//Convene//Convene booking system//EN",
        "VERSION": b"2.0",
        "CALSCALE": b"GREGORIAN",
        "METHOD": b"PUBLISH",
        "X-WR-CALNAME": b"Safeguarding Awareness Week 2021",
        "X-WR-TIMEZONE": b"Europe/London",
        "REFRESH-INTERVAL": b"PT1H",
        "X-PUBLISHED-TTL": b"PT1H",
    }
    assert feed["REFRESH-INTERVAL"].params == {"VALUE": "DURATION"}


def test_session_moved_a_day_keeps_uid_and_takes_the_new_sequence():
    session = SessionFactory()
    before = only_event(calendar.single_session(loaded(session)[0], now=STAMP))
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + timedelta(days=1),
        ends_at=session.ends_at + timedelta(days=1),
        sequence=1,
    )

    after = only_event(calendar.single_session(loaded(session)[0], now=STAMP))

    assert after["uid"] == before["uid"]
    assert (before["sequence"], after["sequence"]) == (0, 1)
    assert after.decoded("dtstart") - before.decoded("dtstart") == timedelta(days=1)
