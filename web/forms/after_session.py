from django import forms

from events.models import EvaluationQuestion

RATINGS = [
    ("1", "1, not at all"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5, very"),
]


class CheckInForm(forms.Form):
    code = forms.CharField(
        label="Check-in code",
        help_text="The 6 letters and numbers your trainer shows, for example K7X9QP.",
        max_length=32,
        error_messages={"required": "Enter the check-in code"},
    )


class EvaluationForm(forms.Form):
    """One field per question of the course: ratings as 1 to 5 radios, text as a text area.

    The form only turns the page's strings into answers; what is complete and in range is the
    booking service's to decide (``submit_evaluation``), which the API shares.
    """

    def __init__(self, *args, questions: list[EvaluationQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.kind == EvaluationQuestion.Kind.RATING:
                field = forms.ChoiceField(
                    label=question.text,
                    choices=RATINGS,
                    widget=forms.RadioSelect,
                    help_text="1 is not at all, 5 is very.",
                    error_messages={"required": f"Answer “{question.text}”"},
                )
            else:
                field = forms.CharField(
                    label=f"{question.text} (optional)",
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea,
                    error_messages={"max_length": "Use 2,000 characters or fewer"},
                )
            self.fields[self.field_name(question)] = field

    @staticmethod
    def field_name(question: EvaluationQuestion) -> str:
        return f"question-{question.pk}"

    def answers(self) -> dict[str, int | str]:
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(self.field_name(question))
            if question.kind == EvaluationQuestion.Kind.RATING:
                answers[str(question.pk)] = int(value)
            elif value:
                answers[str(question.pk)] = value
        return answers

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            name = f"question-{key}"
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
