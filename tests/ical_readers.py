"""Independent iCalendar readers, so tests can check that every client sees the same instants.

Each reader returns ``{uid: (start, end)}`` in UTC. icalendar and recurring-ical-events resolve
``TZID=Europe/London`` through the tz database; vobject and ical.js (the library behind
Thunderbird) compute the offsets from the VTIMEZONE written in the file.
"""

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject

ICAL_JS_SCRIPT = Path(__file__).with_name("ical_events.mjs")
Instants = dict[str, tuple[datetime, datetime]]


def _utc(value: datetime) -> datetime:
    assert value.tzinfo is not None, f"{value!r} is a floating time"
    return value.astimezone(UTC)


def read_with_icalendar(ics: bytes) -> Instants:
    calendar = icalendar.Calendar.from_ical(ics)
    return {
        str(event["uid"]): (_utc(event.decoded("dtstart")), _utc(event.decoded("dtend")))
        for event in calendar.walk("VEVENT")
    }


def read_with_vobject(ics: bytes) -> Instants:
    calendar = vobject.readOne(ics.decode())
    return {
        event.uid.value: (_utc(event.dtstart.value), _utc(event.dtend.value))
        for event in getattr(calendar, "vevent_list", [])
    }


def read_with_recurring_ical_events(ics: bytes) -> Instants:
    calendar = icalendar.Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(datetime(1990, 1, 1), datetime(2100, 1, 1))
    return {
        str(event["uid"]): (_utc(event["dtstart"].dt), _utc(event["dtend"].dt)) for event in events
    }


def read_with_ical_js(ics: bytes, tmp_path: Path) -> Instants:
    """Run ical.js under node; skip without node locally, fail without it in CI."""
    node = shutil.which("node")
    if node is None:
        _skip_unless_ci("node is not installed: ical.js (Thunderbird's reader) not checked")
    path = tmp_path / "feed.ics"
    path.write_bytes(ics)
    result = subprocess.run(  # noqa: S603 - our own script with a file we just wrote
        [node, str(ICAL_JS_SCRIPT), str(path)], capture_output=True, text=True, check=False
    )
    if "Cannot find package 'ical.js'" in result.stderr:
        _skip_unless_ci("ical.js is not installed (npm ci): Thunderbird's reader not checked")
    if result.returncode:
        pytest.fail(f"ical.js could not read the feed:\n{result.stderr}")
    return {
        event["uid"]: (
            datetime.fromisoformat(event["start"]).astimezone(UTC),
            datetime.fromisoformat(event["end"]).astimezone(UTC),
        )
        for event in json.loads(result.stdout)
    }


def _skip_unless_ci(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


# Every reader as ``reader(ics, tmp_path) -> Instants``, for parametrised tests.
READERS = {
    "icalendar": lambda ics, tmp_path: read_with_icalendar(ics),
    "vobject": lambda ics, tmp_path: read_with_vobject(ics),
    "recurring-ical-events": lambda ics, tmp_path: read_with_recurring_ical_events(ics),
    "ical.js": read_with_ical_js,
}
