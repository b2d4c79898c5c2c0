import pytest


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Send queued email (sign-in links) at once, so tests read it from mail.outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def ask_for_link(client, django_capture_on_commit_callbacks):
    """Post the sign-in form and run what it queued on commit (the email goes to the outbox)."""

    def ask(data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/sign-in/", data)

    return ask
