"""Query-string filters (django-filter). Unknown slugs give an empty list, not an error."""

from django import forms
from django.utils import timezone
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from api.serializers import EARLIEST, LATEST
from booking.models import Booking
from booking.rules import bookable_now
from events.models import Event, Session

MAX_ID = 2**31 - 1


class BoundedIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 date-time within the range the database and time zone arithmetic can hold."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is not None and not EARLIEST <= parsed < LATEST:
            raise forms.ValidationError(
                f"Use a time between {EARLIEST.year} and {LATEST.year - 1}.", code="invalid"
            )
        return parsed


class BoundedIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class SessionFilter(filters.FilterSet):
    programme = filters.CharFilter(field_name="event__programme__slug", help_text="Programme slug.")
    theme = filters.CharFilter(method="filter_theme", help_text="Theme slug.")
    event = filters.CharFilter(field_name="event__slug", help_text="Event slug.")
    starts_after = BoundedIsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="gte",
        help_text="Sessions starting at or after this time (ISO 8601). Given this or "
        "starts_before, sessions that have ended are listed too.",
    )
    starts_before = BoundedIsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="lt",
        help_text="Sessions starting before this time (ISO 8601).",
    )
    available = filters.BooleanFilter(
        method="filter_available",
        help_text="true: sessions open for booking now (the booking window included) with a "
        "place left; false: the others.",
    )
    delivery = filters.ChoiceFilter(choices=Session.Delivery.choices)

    class Meta:
        model = Session
        fields = ["programme", "theme", "event", "starts_after", "starts_before", "available"]

    def filter_theme(self, sessions, name, value):
        # A subquery, so the theme join cannot multiply the availability counts.
        return sessions.with_theme(value)

    def filter_available(self, sessions, name, value):
        available = bookable_now(timezone.now())
        return sessions.filter(available) if value else sessions.exclude(available)


class EventFilter(filters.FilterSet):
    programme = filters.CharFilter(field_name="programme__slug", help_text="Programme slug.")
    theme = filters.CharFilter(method="filter_theme", help_text="Theme slug.")

    class Meta:
        model = Event
        fields = ["programme", "theme"]

    def filter_theme(self, events, name, value):
        return events.with_theme(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A row id: a whole number the database can hold."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, decimal_places=0, **kwargs)


class BookingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Booking.Status.choices)
    session = IdFilter(field_name="session_id", help_text="Session id.")

    class Meta:
        model = Booking
        fields = ["status", "session"]


class AttendeeFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Booking.Status.choices)

    class Meta:
        model = Booking
        fields = ["status"]
