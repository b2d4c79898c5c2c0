from django import forms


class BookingForm(forms.Form):
    access_needs = forms.CharField(
        label="Do you have any access needs? (optional)",
        help_text=(
            "For example step-free access, a hearing loop, or breaks. Only the trainers and the "
            "training team see this, and it is deleted 30 days after the session."
        ),
        required=False,
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"max_length": "Access needs must be 1,000 characters or fewer"},
    )
    manager_email = forms.EmailField(
        label="Your line manager's email address",
        help_text="This course needs your manager's agreement. We email them a link to approve "
        "or decline; you get a place (or a waitlist place) once they approve.",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.org"
        },
    )
    # Set by the "Book anyway" button after the site warned of a clash with another booking.
    allow_conflict = forms.BooleanField(required=False, widget=forms.HiddenInput)
