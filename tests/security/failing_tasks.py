"""A background task that fails the way real ones can: with personal data in its arguments and
in its error's message (an SMTP refusal names the address; a database error quotes the row)."""

from django_tasks import task


@task()
def fail_with_personal_data(*, email: str, note: str) -> None:
    raise ValueError(f"could not write to {email}: {note}")
