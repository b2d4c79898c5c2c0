from datetime import timedelta

from django import forms
from django.utils import timezone

from booking.rules import bookable_now
from common.dates import local_midnight
from common.forms import GovukDateField
from events.models import Programme, Session, Theme

DELIVERY_CHOICES = [("in_person", "In person"), ("online", "Online")]


class SessionFilterForm(forms.Form):
    """The filters above the list of sessions; every field is optional."""

    programme = forms.ModelChoiceField(
        queryset=Programme.objects.published(),
        to_field_name="slug",
        required=False,
        empty_label="All programmes",
        error_messages={"invalid_choice": "Select a programme from the list"},
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All themes",
        error_messages={"invalid_choice": "Select a theme from the list"},
    )
    from_date = GovukDateField(
        label="From", required=False, called="The 'from' date", hint="For example, 14 7 2026"
    )
    to_date = GovukDateField(
        label="To", required=False, called="The 'to' date", hint="For example, 16 7 2026"
    )
    available = forms.BooleanField(label="Only sessions with places left", required=False)
    delivery = forms.MultipleChoiceField(
        label="How it is delivered",
        choices=DELIVERY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select in person, online or both"},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("from_date"), data.get("to_date")
        if start and end and end < start:
            self.add_error("to_date", "The 'to' date must be the same as or after the 'from' date")
        return data

    def filter(self, sessions, *, now=None):
        """Narrow a queryset of sessions (annotated with places_left) to what was asked for.

        With no start date, only sessions that have not ended are listed.
        """
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("programme"):
            sessions = sessions.filter(event__programme=data["programme"])
        if data.get("theme"):
            sessions = sessions.with_theme(data["theme"])
        if data.get("from_date"):
            sessions = sessions.filter(starts_at__gte=local_midnight(data["from_date"]))
        else:
            sessions = sessions.not_ended(now)
        if data.get("to_date"):
            sessions = sessions.filter(
                starts_at__lt=local_midnight(data["to_date"] + timedelta(days=1))
            )
        if data.get("available"):
            sessions = sessions.filter(bookable_now(now or timezone.now()))
        wanted = set(data.get("delivery") or [])
        if wanted == {"in_person"}:
            sessions = sessions.exclude(delivery=Session.Delivery.ONLINE)
        elif wanted == {"online"}:
            sessions = sessions.exclude(delivery=Session.Delivery.IN_PERSON)
        return sessions
