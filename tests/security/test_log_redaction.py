"""Logs carry ids and codes only, on the failure paths too (issue 21).

The failure paths run with a capturing handler built exactly like the console handler in
settings.LOGGING (its JSON formatter and its filters); the test fails on any email address,
URL with a token, or free text in what would have been written.
"""

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string

from accounts.messages import send_sign_in_link
from accounts.models import User
from common.logfilters import EMAIL
from tests.factories import UserFactory
from tests.security.failing_tasks import fail_with_personal_data

# The worker closes connections that are not in autocommit (as any test transaction is), which
# on PostgreSQL ends the test's transaction: the test commits for real instead.
pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "zebedee.quartermaine@example.org"
FREE_TEXT = "Zebedee needs a hearing loop in room 4"
FEED_TOKEN = "Vq3xZ9pL2mN8kR4tY6wB1cD5fG7hJ0sA"
LINK_TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
SECRETS = [ADDRESS, FREE_TEXT, "Zebedee", "hearing loop", FEED_TOKEN, LINK_TOKEN]


@pytest.fixture
def written():
    """A handler configured like settings.LOGGING's console handler, writing JSON to memory."""
    config = settings.LOGGING
    console = config["handlers"]["console"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    json_format = dict(config["formatters"]["json"])
    formatter = import_string(json_format.pop("()"))
    handler.setFormatter(formatter(json_format.pop("format"), **json_format))
    for name in console["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines_of(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_failure_paths_log_ids_and_codes_only(
    written, client, smtp, settings, tasks_run_at_once, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # 1. A task that fails with personal data in its arguments and in its error.
    fail_with_personal_data.enqueue(email=ADDRESS, note=FREE_TEXT)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--verbosity=1")
    # 2. A mail server refusing the address (SMTPRecipientsRefused names it).
    smtp.inbox.refuse.add(ADDRESS)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        send_sign_in_link(user=UserFactory(email=ADDRESS, full_name="Zebedee Q"), next_url="/")
    # 3. Requests for a personal feed and a sign-in link that are not (or no longer) valid.
    assert client.get(f"/calendar/me/{FEED_TOKEN}.ics").status_code == 404
    assert client.get(f"/sign-in/link/?token={LINK_TOKEN}&next=/").status_code == 400
    # 4. A task queue's worker line with the job's arguments, as RQ writes it.
    logging.getLogger("rq.worker").info(
        "%s: %s (%s)",
        "default",
        f"booking.tasks.write_attendee_message(body='{FREE_TEXT}', subject='To {ADDRESS}')",
        "4f1c1d2e9a8b4c3d",
        extra={"kwargs": {"body": FREE_TEXT}},
    )

    lines = lines_of(written)
    text = written.getvalue()
    messages = [line["message"] for line in lines]
    # The failure paths did run and were logged ...
    assert any(m.startswith("Task id=") and "FAILED" in m for m in messages), messages
    assert any(m.startswith("notification failed id=") for m in messages), messages
    assert "Not Found: /calendar/me/[redacted].ics" in messages
    failed_task = next(line for line in lines if "FAILED" in line["message"])
    assert failed_task["exc_info"].splitlines()[-1] == "builtins.ValueError"
    # ... with no address, token or free text anywhere.
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret
    assert EMAIL.findall(text) == []
    assert re.findall(r"token=(?!\[redacted\])", text) == []
    assert "kwargs" not in text
    assert User.objects.filter(email=ADDRESS).exists()
