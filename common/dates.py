"""Dates as the partnership reads them: days begin at midnight in the site's time zone."""

import calendar
from datetime import date, datetime, time

from django.utils import timezone


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the site's time zone (Europe/London), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the last day of the month reached.

    31 August plus 6 months is 28 February (29 in a leap year): a refresher never skips into
    the month after.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
