"""Forms of the coordinators' Manage pages: types and ranges only; the services hold the rules."""

from django import forms

from accounts.models import Sector
from booking.rules import Audience
from common.forms import GovukDateField, GovukDateTimeField
from events.models import MAX_OFFER_HOURS, MAX_PLACES, Event, Programme, Session, Theme, Venue

SESSION_FIELDS = (
    "starts_at",
    "ends_at",
    "delivery",
    "venue",
    "join_url",
    "capacity",
    "waitlist_enabled",
    "waitlist_limit",
    "booking_opens_at",
    "booking_closes_at",
    "notes",
)


class SessionForm(forms.Form):
    """A session's details, as ``events.services.create_session`` and
    ``booking.services.update_session`` take them."""

    event = forms.ModelChoiceField(
        queryset=Event.objects.select_related("programme").order_by("programme__title", "title"),
        label="Course",
        empty_label="Choose a course",
        error_messages={"required": "Choose the course this session is of"},
    )
    starts_at = GovukDateTimeField(
        label="Starts", error_messages={"required": "Enter when the session starts"}
    )
    ends_at = GovukDateTimeField(
        label="Ends", error_messages={"required": "Enter when the session ends"}
    )
    delivery = forms.ChoiceField(
        label="How it runs",
        choices=Session.Delivery.choices,
        initial=Session.Delivery.IN_PERSON,
        widget=forms.RadioSelect,
    )
    venue = forms.ModelChoiceField(
        queryset=Venue.objects.all(), required=False, empty_label="No venue (online)"
    )
    join_url = forms.URLField(
        label="Joining link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Shown only to people with a place, trainers and coordinators.",
    )
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=MAX_PLACES,
        help_text="The number of places.",
        error_messages={"required": "Enter the number of places"},
    )
    waitlist_enabled = forms.BooleanField(
        label="Keep a waitlist when the session is full", required=False, initial=True
    )
    waitlist_limit = forms.IntegerField(
        label="Most people on the waitlist",
        required=False,
        min_value=1,
        max_value=MAX_PLACES,
        help_text="Leave empty for no limit.",
    )
    booking_opens_at = GovukDateTimeField(
        label="Booking opens",
        required=False,
        hint="Leave empty to open booking as soon as the programme is published.",
    )
    booking_closes_at = GovukDateTimeField(
        label="Booking closes",
        required=False,
        hint="Leave empty to close booking when the session starts.",
    )
    notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea, help_text="Shown on the session page."
    )

    def session_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SESSION_FIELDS}

    def changes(self) -> dict:
        """The fields the coordinator changed, for ``update_session``."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in (*SESSION_FIELDS, "event")
        }

    @classmethod
    def initial_for(cls, session: Session) -> dict:
        return {"event": session.event_id} | {
            name: getattr(session, name) if name != "venue" else session.venue_id
            for name in SESSION_FIELDS
        }


class AllocationForm(forms.Form):
    """How freed places are given out, and places held back for sectors (fair allocation)."""

    promotion = forms.ChoiceField(
        label="When a place becomes free",
        choices=[
            (Session.Promotion.AUTOMATIC, "Give it to the next person on the waitlist at once"),
            (Session.Promotion.OFFER, "Offer it to the next person, who accepts or declines"),
        ],
        widget=forms.RadioSelect,
    )
    offer_hours = forms.IntegerField(
        label="Hours to answer an offer",
        min_value=1,
        max_value=MAX_OFFER_HOURS,
        help_text="With less time than this before booking closes, the place is confirmed at "
        "once instead.",
        error_messages={"required": "Enter how many hours people have to answer an offer"},
    )
    quota_release_at = GovukDateTimeField(
        label="Reserved places are released",
        required=False,
        hint="Leave empty for 7 days before the session starts. From then on, places go first "
        "come, first served.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One box per sector: the places held back for it until the release.
        for sector, label in Sector.choices:
            self.fields[f"quota_{sector}"] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=MAX_PLACES
            )

    @property
    def quota_fields(self) -> list:
        return [self[f"quota_{sector}"] for sector in Sector.values]

    @classmethod
    def initial_for(cls, session: Session) -> dict:
        reserved = session.reserved_places
        return {
            "promotion": session.promotion,
            "offer_hours": session.offer_hours,
            "quota_release_at": session.quota_release_at,
        } | {f"quota_{sector}": reserved.get(sector) for sector in Sector.values}

    def changes(self) -> dict:
        """The settings, as ``booking.services.update_session`` takes them."""
        quotas = [
            {"sector": sector, "places": self.cleaned_data[f"quota_{sector}"]}
            for sector in Sector.values
            if self.cleaned_data.get(f"quota_{sector}")
        ]
        return {
            "promotion": self.cleaned_data["promotion"],
            "offer_hours": self.cleaned_data["offer_hours"],
            "sector_quotas": quotas,
            "quota_release_at": self.cleaned_data["quota_release_at"],
        }


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=MAX_PLACES,
        help_text="The number of places. More places go to the waitlist first, in order.",
        error_messages={"required": "Enter the number of places"},
    )


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label="Why is the session cancelled?",
        widget=forms.Textarea,
        help_text="Sent to everyone booked or waiting, and shown on the session page.",
        error_messages={"required": "Enter why the session is cancelled"},
    )


class DuplicateSessionForm(forms.Form):
    starts_at = GovukDateTimeField(
        label="Starts", error_messages={"required": "Enter when the new session starts"}
    )
    ends_at = GovukDateTimeField(
        label="Ends", error_messages={"required": "Enter when the new session ends"}
    )


class PersonByEmailForm(forms.Form):
    """Who to book in (or pass a place to): someone known, or someone new by their address."""

    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    full_name = forms.CharField(
        label="Full name",
        required=False,
        max_length=200,
        help_text="Needed only for someone who has not used the site before.",
    )


class BookSomeoneInForm(PersonByEmailForm):
    access_needs = forms.CharField(
        label="Access needs (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="Seen only by the session's trainers and coordinators.",
    )


class FindPersonForm(forms.Form):
    q = forms.CharField(label="Search by name", max_length=100, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        help_text="Sent to the person in the email that tells them.",
        error_messages={"required": "Enter the reason"},
    )


class MessageForm(forms.Form):
    audience = forms.ChoiceField(
        label="Who should get the message?",
        choices=[
            (Audience.CONFIRMED.value, "Everyone with a confirmed place"),
            (Audience.WAITLIST.value, "Everyone on the waitlist"),
            (Audience.BOTH.value, "Both"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who should get the message"},
    )
    subject = forms.CharField(
        label="Subject", max_length=150, error_messages={"required": "Enter a subject"}
    )
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea,
        help_text="Plain text. People see it as an email from the training team.",
        error_messages={"required": "Enter the message"},
    )


class TrainerForm(forms.Form):
    email = forms.EmailField(
        label="Trainer's email address",
        error_messages={
            "required": "Enter the trainer's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    full_name = forms.CharField(
        label="Full name",
        required=False,
        max_length=200,
        help_text="Needed only for a trainer new to the site.",
    )
    external = forms.BooleanField(
        label="An external trainer (commissioned from outside the partnership)", required=False
    )


class ProgrammeForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    slug = forms.SlugField(
        label="Web address name",
        max_length=100,
        help_text="Lower-case letters, numbers and hyphens, like awareness-week-2026.",
        error_messages={"required": "Enter a web address name"},
    )
    summary = forms.CharField(required=False, widget=forms.Textarea)
    starts_on = GovukDateField(label="First day", required=False)
    ends_on = GovukDateField(label="Last day", required=False)

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day must be the same as or after the first day")
        return cleaned


class DuplicateProgrammeForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    slug = forms.SlugField(
        label="Web address name",
        max_length=100,
        error_messages={"required": "Enter a web address name"},
    )
    starts_on = GovukDateField(
        label="New first day",
        help_text="Every session moves by the same number of days, at the same time of day.",
        error_messages={"required": "Enter the new first day"},
    )


class EventForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.all(), empty_label="Choose a programme"
    )
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    slug = forms.SlugField(
        label="Web address name",
        max_length=100,
        help_text="Lower-case letters, numbers and hyphens.",
        error_messages={"required": "Enter a web address name"},
    )
    summary = forms.CharField(max_length=300, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea)
    audience = forms.CharField(label="Who it is for", required=False, widget=forms.Textarea)
    learning_outcomes = forms.CharField(
        required=False, widget=forms.Textarea, help_text="One outcome per line."
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    requires_approval = forms.BooleanField(
        label="Bookings need the line manager's approval",
        required=False,
        help_text="People give their manager's email address; the manager approves or declines "
        "from a link before a place is given.",
    )
    certificate_requires_evaluation = forms.TypedChoiceField(
        label="When is the certificate of attendance ready?",
        choices=[
            ("True", "Once the person has sent their evaluation"),
            ("False", "As soon as they are marked attended"),
        ],
        coerce=lambda value: value == "True",
        initial="True",
        # Left unanswered (an older form, a script): the default, after the evaluation.
        required=False,
        empty_value=True,
        widget=forms.RadioSelect,
    )
    refresher_months = forms.IntegerField(
        label="Refresher after (months, optional)",
        required=False,
        min_value=1,
        max_value=240,
        help_text="Leave empty if this training never needs refreshing. People are reminded "
        "6 weeks before it falls due.",
        error_messages={
            "invalid": "Enter the months as a whole number, like 12",
            "min_value": "Enter at least 1 month",
            "max_value": "Enter 240 months or fewer",
        },
    )


class VenueForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the venue's name"})
    address = forms.CharField(
        widget=forms.Textarea,
        help_text="One line per line of the address.",
        error_messages={"required": "Enter the address"},
    )
    postcode = forms.CharField(max_length=10, required=False)
    accessibility = forms.CharField(
        required=False,
        widget=forms.Textarea,
        help_text="Step-free access, hearing loop, parking, nearest station.",
    )


class EvaluationQuestionForm(forms.Form):
    text = forms.CharField(
        label="Question",
        max_length=300,
        error_messages={"required": "Enter the question"},
    )
    kind = forms.ChoiceField(
        label="How people answer",
        choices=[("rating", "A rating from 1 to 5"), ("text", "In their own words (optional)")],
        widget=forms.RadioSelect,
        initial="rating",
        error_messages={"required": "Choose how people answer"},
    )


class QuestionWordingForm(forms.Form):
    text = forms.CharField(max_length=300, error_messages={"required": "Enter the question"})


class ThemeForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    slug = forms.SlugField(
        label="Web address name",
        max_length=100,
        help_text="Lower-case letters, numbers and hyphens.",
        error_messages={"required": "Enter a web address name"},
    )
    description = forms.CharField(required=False, widget=forms.Textarea)
