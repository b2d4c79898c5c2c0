"""Hostile text in titles, places and names never breaks or adds lines in .ics output.

The icalendar library escapes TEXT values and quotes parameters (RFC 5545 and RFC 6868); these
properties check that what we write parses back, with another parser too, to exactly one event
per session carrying the same text, so nobody can inject an event, an ATTENDEE or an ALARM.
"""

import pytest
import vobject
from django.conf import settings as django_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from booking.calendar import invitation
from booking.services import book_session
from events.calendar import sessions_feed
from tests.factories import EventFactory, SessionFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "Course\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@example.com\r\nSUMMARY:Injected",
    "Course\nBEGIN:VALARM\nTRIGGER:-PT5M\nACTION:DISPLAY\nEND:VALARM",
    'Pat "O\'Hara"; ROLE=CHAIR:mailto:evil@example.com',
    "<script>alert(1)</script>'; DROP TABLE booking_booking; --",
]

# Text as people paste it: every plane, with CR, LF, tabs, C0/C1 controls, separators and
# directional overrides well represented. NUL and lone surrogates are left out because forms, the
# API and PostgreSQL all refuse them before they could reach a calendar.
hostile_text = (
    st.lists(
        st.one_of(
            st.characters(codec="utf-8", exclude_characters="\x00"),
            st.sampled_from(
                [
                    "\r",
                    "\n",
                    "\r\n",
                    "\t",
                    "\x0b",
                    "\x0c",
                    "\x1b",
                    "\x7f",
                    "\x85",
                    ";",
                    ",",
                    ":",
                    "\\",
                    '"',
                    "^",
                    "\u2028",
                    "\u202e",
                    "\ufeff",
                    "\u0301",
                    "😀",
                    "END:VEVENT",
                    "BEGIN:VALARM",
                ]
            ),
        ),
        min_size=1,
        max_size=60,
    )
    .map("".join)
    .map(lambda text: text[:200])
    .filter(lambda text: text.strip())
)


def unfolded(value: str) -> str:
    """What a TEXT value reads back as: RFC 5545 has one line break, written as \\n.

    icalendar also drops one byte-order mark that opens a value (one only: a second stays),
    which loses nothing visible, and writes a literal backslash-N as a line break (its escaping
    reads ``\\N`` as RFC 5545's newline first): a line break inside the text, nothing injected.
    """
    value = value.replace("\\N", "\n")
    return value.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


def as_parameter(value: str) -> str:
    """A name as an ATTENDEE's CN reads back: without control characters, which no parameter
    value can hold, or backslashes, which some readers misparse; line breaks as \\n (RFC 6868)."""
    kept = "".join(c for c in value if c in "\t\r\n" or not (c < " " or c in "\x7f\\")).strip()
    return kept.replace("\r\n", "\n").replace("\r", "\n")


def assert_well_formed(payload: bytes) -> list[bytes]:
    assert payload.endswith(b"\r\n")
    lines = payload[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line
        assert b"\n" not in line
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a character
    return lines


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(titles=st.lists(hostile_text, min_size=1, max_size=3), place=hostile_text)
@example(titles=["\ufeff\ufeff", "\ufeffa\ufeff"], place="\ufeff\r\n")  # found by Hypothesis
def test_feed_holds_one_event_per_session_whatever_the_titles(db, titles, place):
    venue = VenueFactory(name=place, address="1 Example Street\r\nDurham")
    sessions = [SessionFactory(event=EventFactory(title=title), venue=venue) for title in titles]

    payload = sessions_feed(sessions, name="All sessions")

    lines = assert_well_formed(payload)
    assert lines.count(b"BEGIN:VEVENT") == len(sessions)
    events = {str(e["uid"]): e for e in Calendar.from_ical(payload).walk("VEVENT")}
    assert len(events) == len(sessions)
    for session in sessions:
        event = events[f"{session.uid}@{django_settings.SITE_DOMAIN}"]
        assert str(event["summary"]) == unfolded(session.event.title)
        assert str(event["location"]) == unfolded(session.location_text)
    parsed = vobject.readOne(payload.decode("utf-8"))
    assert sorted(e.summary.value for e in parsed.vevent_list) == sorted(
        unfolded(s.event.title) for s in sessions
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=hostile_text, title=hostile_text)
def test_invitation_keeps_hostile_names_inside_one_attendee(db, name, title):
    session = SessionFactory(event=EventFactory(title=title))
    booking = book_session(session, person=UserFactory(full_name=name))

    method, payload = invitation(booking)

    lines = assert_well_formed(payload)
    assert method == "REQUEST"
    assert lines.count(b"BEGIN:VEVENT") == 1
    assert sum(line.startswith(b"ATTENDEE") for line in lines) == 1
    (event,) = Calendar.from_ical(payload).walk("VEVENT")
    assert str(event["summary"]) == unfolded(title)
    assert event["attendee"].params["cn"] == (as_parameter(name) or booking.person.email)
    assert str(event["attendee"]) == f"mailto:{booking.person.email}"


@pytest.mark.parametrize("payload", INJECTIONS)
def test_known_injections_stay_text(payload):
    session = SessionFactory(event=EventFactory(title=payload[:200]))
    booking = book_session(session, person=UserFactory(full_name=payload[:200]))

    _, ics = invitation(booking)

    calendar = Calendar.from_ical(ics)
    assert len(calendar.walk("VEVENT")) == 1
    assert calendar.walk("VALARM") == []
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]).startswith("booking-")
    assert str(event["summary"]) == unfolded(payload)
    assert event["attendee"].params["cn"] == unfolded(payload)


def test_invitation_keeps_a_trailing_backslash_from_eating_the_next_parameter():
    session = SessionFactory()
    booking = book_session(session, person=UserFactory(full_name="Pat Example\\"))

    _, ics = invitation(booking)

    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event["attendee"].params["cn"] == "Pat Example"
    assert event["attendee"].params["partstat"] == "ACCEPTED"


def test_invitation_drops_control_characters_from_the_attendee_name():
    session = SessionFactory()
    booking = book_session(session, person=UserFactory(full_name="Pat\x1b[31m Example\x7f\x0b"))

    _, ics = invitation(booking)

    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event["attendee"].params["cn"] == "Pat[31m Example"
