import pytest


@pytest.fixture
def signed_in(client, person):
    """The test client, signed in as ``person``."""
    client.force_login(person)
    return client


@pytest.fixture
def ask_for_link(client, tasks_run_at_once, django_capture_on_commit_callbacks):
    """Post the sign-in form and run what it queued on commit (the email goes to mail.outbox)."""

    def ask(data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/sign-in/", data)

    return ask
