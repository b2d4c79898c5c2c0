import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


@pytest.fixture
def failed(settings, smtp, django_capture_on_commit_callbacks):
    from accounts.messages import send_sign_in_link

    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        send_sign_in_link(user=UserFactory(email="lost@example.org"), next_url="/")
    smtp.start()
    return Notification.objects.get()


def test_coordinator_sees_failed_messages_with_their_error(client, coordinator, failed):
    client.force_login(coordinator)

    response = client.get(
        reverse("admin:notifications_notification_changelist"), {"status": "failed"}
    )
    detail = client.get(reverse("admin:notifications_notification_change", args=[failed.pk]))

    assert response.status_code == 200
    assert "lost@example.org" in response.text
    assert detail.status_code == 200
    assert "ConnectionRefusedError" in detail.text


def test_coordinator_retries_a_failed_message_from_the_admin(
    client, coordinator, failed, smtp, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "retry", "_selected_action": [failed.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 failed message is queued again." in response.text
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert [e.rcpt_tos for e in smtp.inbox.envelopes] == [["lost@example.org"]]


def test_practitioner_cannot_open_the_outbox(client, failed):
    client.force_login(UserFactory())

    response = client.get(reverse("admin:notifications_notification_changelist"))

    assert response.status_code == 302
