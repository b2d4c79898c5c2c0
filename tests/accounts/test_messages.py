"""The sign-in link email end to end through a real SMTP server: outbox → task → SMTP → parsed."""

import re

import pytest
from sesame.utils import get_user

from accounts.messages import TOKEN_PLACEHOLDER, send_sign_in_link
from notifications.models import Notification
from privacy.services import personal_data
from tests.factories import UserFactory
from tests.smtp import assert_no_template_leftovers, parts

pytestmark = [pytest.mark.django_db]

LINK = re.compile(
    r"http://127\.0\.0\.1:8000/sign-in/link/\?token=([\w.:-]+)&amp;next=%2Fbookings%2F"
)


@pytest.mark.usefixtures("tasks_run_at_once")
def test_sign_in_link_is_sent_in_the_background_and_not_kept(
    smtp, django_capture_on_commit_callbacks
):
    user = UserFactory(full_name="Ann Example", email="ann@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        send_sign_in_link(user=user, next_url="/bookings/")

    (message,) = smtp.messages
    assert message["Subject"] == "Your sign-in link for Convene"
    html = parts(message)["text/html"]
    token = LINK.search(html).group(1)
    assert get_user(token, update_last_login=False) == user
    assert f"token={token}&next=%2Fbookings%2F" in parts(message)["text/plain"]
    assert "text/calendar" not in parts(message)
    assert_no_template_leftovers(message)
    notification = Notification.objects.get()
    assert notification.status == "sent"
    assert token not in notification.body_text + notification.body_html


@pytest.mark.usefixtures("tasks_stored")
def test_a_queued_sign_in_link_is_not_readable_in_the_outbox_or_the_export():
    """Until the worker sends it, the stored message holds a placeholder, not a usable link."""
    user = UserFactory(email="ann@example.org")

    send_sign_in_link(user=user, next_url="/bookings/")

    notification = Notification.objects.get()
    assert notification.status == "queued"
    assert f"token={TOKEN_PLACEHOLDER}&" in notification.body_text
    (exported,) = personal_data(user)["notifications"]
    assert "token=" in exported["body_text"]
    assert re.findall(r"token=([^&\s\"]+)", exported["body_text"]) == [TOKEN_PLACEHOLDER]


@pytest.mark.usefixtures("tasks_run_at_once")
def test_a_link_for_an_account_deactivated_before_sending_is_never_sent(
    smtp, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ann@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_sign_in_link(user=user, next_url="/bookings/")
    user.is_active = False
    user.save()

    for callback in callbacks:
        callback()

    assert smtp.messages == []
    notification = Notification.objects.get()
    assert notification.status == "failed"
    assert notification.last_error.startswith("SignInLinkUnavailable")
