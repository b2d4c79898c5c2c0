"""The GOV.UK date-input fields: day, month, year (and time) boxes, read as UK time."""

from datetime import date, time

import pytest
from django import forms

from common.forms import GovukDateField, GovukDateTimeField, parse_time
from tests.factories import local


class DatesForm(forms.Form):
    day = GovukDateField(label="From", required=False, called="The 'from' date")
    starts_at = GovukDateTimeField(label="Starts", required=False)


def errors(data: dict) -> dict:
    form = DatesForm(data)
    form.is_valid()
    return {name: list(messages) for name, messages in form.errors.items()}


def test_a_date_from_three_boxes():
    form = DatesForm({"day_day": "12", "day_month": "7", "day_year": "2031"})
    assert form.is_valid()
    assert form.cleaned_data["day"] == date(2031, 7, 12)


def test_a_single_iso_value_still_works_for_old_links():
    form = DatesForm({"day": "2031-07-12"})
    assert form.is_valid()
    assert form.cleaned_data["day"] == date(2031, 7, 12)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"day_day": "31", "day_month": "2", "day_year": "2031"},
            "The 'from' date must be a real date",
        ),
        ({"day_day": "12", "day_year": "2031"}, "The 'from' date must include a month"),
        ({"day_day": "12"}, "The 'from' date must include a month and a year"),
        (
            {"day_day": "12", "day_month": "7", "day_year": "31"},
            "The 'from' date must be a real date",
        ),
        ({"day": "last tuesday"}, "The 'from' date must include a month and a year"),
    ],
)
def test_date_errors_follow_the_pattern(data, message):
    assert errors(data) == {"day": [message]}


def test_empty_optional_boxes_are_no_date():
    form = DatesForm({"day_day": "", "day_month": " ", "day_year": ""})
    assert form.is_valid()
    assert form.cleaned_data["day"] is None


@pytest.mark.parametrize(
    ("day", "month", "at", "expected"),
    [
        ("12", "7", "12:00", local(2031, 7, 12, 12)),  # BST: 11:00 UTC
        ("12", "1", "12:00", local(2031, 1, 12, 12)),  # GMT: 12:00 UTC
        ("30", "3", "2pm", local(2031, 3, 30, 14)),  # the day the clocks go forward
    ],
)
def test_a_date_and_time_is_uk_time(day, month, at, expected):
    form = DatesForm(
        {
            "starts_at_day": day,
            "starts_at_month": month,
            "starts_at_year": "2031",
            "starts_at_time": at,
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] == expected


def test_a_date_without_a_time_is_refused():
    data = {"starts_at_day": "12", "starts_at_month": "7", "starts_at_year": "2031"}
    assert errors(data) == {"starts_at": ["Starts must include a time"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9.05", time(9, 5)),
        ("9", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("2:30 PM", time(14, 30)),
        ("24:00", None),
        ("13pm", None),
        ("9:7", None),
        ("noon", None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_the_widget_shows_a_datetime_in_uk_time():
    form = DatesForm(initial={"starts_at": local(2031, 7, 12, 12)})
    parts = form["starts_at"].subwidgets[0].data["subwidgets"]
    assert [(part["name"], part["value"]) for part in parts] == [
        ("starts_at_day", "12"),
        ("starts_at_month", "7"),
        ("starts_at_year", "2031"),
        ("starts_at_time", "12:00"),
    ]


def test_a_stored_time_with_seconds_is_unchanged_when_the_minute_is():
    stored = local(2031, 7, 12, 12).replace(second=41, microsecond=5)
    data = {"starts_at_day": "12", "starts_at_month": "7", "starts_at_year": "2031"}
    same = DatesForm({**data, "starts_at_time": "12:00"}, initial={"starts_at": stored})
    moved = DatesForm({**data, "starts_at_time": "12:01"}, initial={"starts_at": stored})
    assert "starts_at" not in same.changed_data
    assert "starts_at" in moved.changed_data
