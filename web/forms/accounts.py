from django import forms

from accounts.models import Sector


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Use your work email address. We will email you a link to sign in.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter your full name"},
        help_text="As you would like it on registers and certificates.",
    )
    job_title = forms.CharField(
        label="Job title",
        max_length=200,
        error_messages={"required": "Enter your job title"},
    )
    organisation_name = forms.CharField(
        label="Organisation",
        max_length=200,
        help_text="Who you work or volunteer for, for example Example County Council.",
        error_messages={"required": "Enter the organisation you work for"},
    )
    sector = forms.ChoiceField(
        label="Which sector is your organisation in?",
        choices=Sector.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the sector your organisation is in"},
    )

    @classmethod
    def for_user(cls, user, data=None):
        organisation = user.organisation
        return cls(
            data,
            initial={
                "full_name": user.full_name,
                "job_title": user.job_title,
                "organisation_name": organisation.name if organisation else "",
                "sector": organisation.sector if organisation else None,
            },
        )


class SignInLinkForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False)
