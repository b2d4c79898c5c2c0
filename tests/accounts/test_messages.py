"""The sign-in link email end to end through a real SMTP server: outbox → task → SMTP → parsed."""

import pytest

from accounts.messages import send_sign_in_link
from notifications.models import Notification
from tests.factories import UserFactory
from tests.smtp import assert_no_template_leftovers, parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def test_sign_in_link_is_sent_in_the_background_and_not_kept(
    smtp, django_capture_on_commit_callbacks
):
    user = UserFactory(full_name="Ann Example", email="ann@example.org")
    link = "http://127.0.0.1:8000/sign-in/abc123/"

    with django_capture_on_commit_callbacks(execute=True):
        send_sign_in_link(user=user, link=link)

    (message,) = smtp.messages
    assert message["Subject"] == "Your sign-in link for Convene"
    assert link in parts(message)["text/plain"]
    assert f'<a href="{link}">' in parts(message)["text/html"]
    assert "text/calendar" not in parts(message)
    assert_no_template_leftovers(message)
    notification = Notification.objects.get()
    assert notification.status == "sent"
    assert link not in notification.body_text + notification.body_html
