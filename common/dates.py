"""Dates as the partnership reads them: days begin at midnight in the site's time zone."""

from datetime import date, datetime, time

from django.utils import timezone


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the site's time zone (Europe/London), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())
