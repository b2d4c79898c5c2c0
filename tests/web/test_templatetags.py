from datetime import UTC, timedelta

import pytest

from tests.factories import local
from web.templatetags.convene import duration, govuk_date, govuk_time


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(0, 0, "midnight"), (9, 0, "9am"), (9, 30, "9:30am"), (12, 0, "midday"), (14, 5, "2:05pm")],
)
def test_govuk_time_writes_uk_wall_clock_times(hour, minute, expected):
    assert govuk_time(local(2031, 7, 14, hour, minute)) == expected


def test_govuk_time_and_date_use_london_time_whatever_the_zone_given():
    eleven_utc_in_summer = local(2031, 7, 14, 12).astimezone(UTC)

    assert govuk_time(eleven_utc_in_summer) == "midday"
    assert govuk_date(eleven_utc_in_summer) == "Monday 14 July 2031"


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (timedelta(minutes=45), "45 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=30), "2 hours 30 minutes"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
    ],
)
def test_duration_in_words(length, expected):
    assert duration(length) == expected
