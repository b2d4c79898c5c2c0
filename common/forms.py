"""Form fields for the GOV.UK date-input pattern: day, month and year boxes (and a time box).

Browsers' own date pickers are hard to use with a keyboard or a screen reader and look
different everywhere, so the GOV.UK Design System asks for three text boxes instead
(https://design-system.service.gov.uk/components/date-input/). ``GovukDateField`` gives a
``date``; ``GovukDateTimeField`` adds a "Time" box and gives an aware datetime in the site's time
zone (Europe/London). Each renders with ``templates/includes/field_date.html``.

The boxes are posted as ``<name>_day``, ``<name>_month``, ``<name>_year`` (and ``<name>_time``).
A single ``<name>=YYYY-MM-DD`` value, as older links and bookmarks carry, is still understood.
"""

import re
from datetime import date, datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

DATE_PARTS = ("day", "month", "year")
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


class GovukDateWidget(forms.MultiWidget):
    """Three (or four) text boxes; rendered by ``includes/field_date.html``, not by Django."""

    govuk_date = True  # lets the error summary link to the day box

    def __init__(self, *, with_time: bool = False):
        parts = DATE_PARTS + (("time",) if with_time else ())
        self.with_time = with_time
        super().__init__(widgets=dict.fromkeys(parts, forms.TextInput))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, suffix in zip(
            context["widget"]["subwidgets"], self.widgets_names, strict=True
        ):
            part = suffix.lstrip("_")
            subwidget["part"] = part
            subwidget["label"] = part.capitalize()
            subwidget["width"] = 4 if part == "year" else (5 if part == "time" else 2)
        return context

    def decompress(self, value):
        if value is None or value == "":
            return [""] * len(self.widgets)
        if isinstance(value, datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return [str(value.day), str(value.month), str(value.year), f"{value:%H:%M}"]
        return [str(value.day), str(value.month), str(value.year)]

    def value_from_datadict(self, data, files, name):
        parts = super().value_from_datadict(data, files, name)
        if not any(parts) and data.get(name):
            # A link with the whole date in one parameter (?from_date=2021-07-12).
            try:
                return self.decompress(date.fromisoformat(data[name]))
            except ValueError:
                return [data[name], "", ""] + ([""] if self.with_time else [])
        return parts

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


class GovukDateField(forms.Field):
    """A date entered as day, month and year, with the GOV.UK pattern's error messages."""

    widget = GovukDateWidget
    hint = "For example, 27 3 2026"

    def __init__(self, *, hint: str | None = None, called: str | None = None, **kwargs):
        kwargs.setdefault("widget", self.widget())
        super().__init__(**kwargs)
        self.hint = hint or self.hint
        # How error messages name the field ("The 'from' date"); the label by default.
        self.called = called

    @property
    def name_in_errors(self) -> str:
        return self.called or self.label or "The date"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        parts = [str(part or "").strip() for part in value]
        if not any(parts):
            return None
        return self._date(parts[:3])

    def _date(self, parts: list[str]) -> date:
        label = self.name_in_errors
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            raise ValidationError(
                f"{label} must include a {' and a '.join(missing)}", code="incomplete"
            )
        try:
            day, month, year = (int(part) for part in parts)
            if year < 1000:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            raise ValidationError(f"{label} must be a real date", code="invalid") from None


class GovukDateTimeField(GovukDateField):
    """A date (day, month, year) and a time of day, read as UK time; gives an aware datetime."""

    hint = "For example, 27 3 2026 and 14:30 (UK time)"

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", GovukDateWidget(with_time=True))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        parts = [str(part or "").strip() for part in value]
        if not any(parts):
            return None
        day = self._date(parts[:3])
        if not parts[3]:
            raise ValidationError(f"{self.name_in_errors} must include a time", code="no_time")
        at = parse_time(parts[3])
        if at is None:
            raise ValidationError(
                f"{self.name_in_errors} must have a real time, like 09:30 or 14:00",
                code="invalid_time",
            )
        return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())

    def has_changed(self, initial, data) -> bool:
        # The boxes hold minutes: a stored time with seconds is unchanged if the minute is.
        if isinstance(initial, datetime):
            initial = initial.replace(second=0, microsecond=0)
        return super().has_changed(initial, data)


def parse_time(text: str) -> time | None:
    """'14:30', '9.30', '2pm', '2:30pm' -> a time; None when it is not one."""
    match = TIME_PATTERN.match(text)
    if not match:
        return None
    hour, minute, suffix = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
