from django import forms

from backoffice.reports import ReportFilters
from booking.models import Booking
from common.forms import GovukDateField
from events.models import Programme, Theme
from webhooks.models import EventType


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(choices=Booking.Attendance.choices)


class ReportFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.all(),
        required=False,
        empty_label="All programmes",
        to_field_name="slug",
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        empty_label="All themes",
        to_field_name="slug",
    )
    date_from = GovukDateField(label="From", required=False, called="The 'from' date")
    date_to = GovukDateField(label="To", required=False, called="The 'to' date")

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The end date must be the same as or after the start date.")
        return cleaned

    def filters(self) -> ReportFilters:
        """The validated filters; call only after ``is_valid()``."""
        return ReportFilters(**self.cleaned_data)


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=500,
        help_text="The https address where the partner system receives events.",
        assume_scheme="https",
    )
    events = forms.MultipleChoiceField(
        label="Events to send",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send"},
    )
    description = forms.CharField(label="Description (optional)", max_length=200, required=False)
