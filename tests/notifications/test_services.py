"""The outbox: what it keeps when a message cannot be written, retries and suppression."""

import pytest
from django.core import mail
from django.urls import NoReverseMatch
from django_tasks import TaskResultStatus

from booking.models import Booking
from booking.services import book_session
from booking.tasks import write_new_booking_message
from notifications import services
from notifications.models import Notification
from notifications.services import retry_notifications
from tests.conftest import BOOKED_ON
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def test_suppressed_queues_nothing(tasks_stored, week_session, django_capture_on_commit_callbacks):
    with services.suppressed(), django_capture_on_commit_callbacks(execute=True):
        book_session(week_session, person=UserFactory(), now=BOOKED_ON)

    assert Notification.objects.count() == 0
    assert mail.outbox == []


@pytest.fixture
def broken_confirmation(settings, tmp_path):
    """A confirmation template that fails to render (it names a page that does not exist)."""
    broken = tmp_path / "templates" / "email"
    broken.mkdir(parents=True)
    (broken / "booking_confirmed.txt").write_text('{% url "no-such-page" %}')
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [tmp_path / "templates", *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return settings


def test_a_message_that_fails_to_render_is_kept_as_failed_and_logged_with_ids_only(
    broken_confirmation, week_session, caplog, django_capture_on_commit_callbacks
):
    person = UserFactory(email="alex.morgan@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_session(week_session, person=person, now=BOOKED_ON)

    failed = Notification.objects.get()
    assert (failed.kind, failed.status, failed.booking_id, failed.last_error) == (
        "booking_confirmed",
        "failed",
        booking.pk,
        "render_failed: NoReverseMatch",
    )
    assert mail.outbox == []
    (line,) = [r.getMessage() for r in caplog.records if r.name == "notifications.services"]
    assert line == (
        f"notification not rendered id={failed.pk} kind=booking_confirmed error=NoReverseMatch"
    )


def test_a_task_that_fails_to_render_fails_visibly(broken_confirmation, week_session):
    booking = Booking.objects.create(
        session=week_session,
        person=UserFactory(),
        status=Booking.Status.CONFIRMED,
        created_at=BOOKED_ON,
        confirmed_at=BOOKED_ON,
    )

    result = write_new_booking_message.enqueue(ical_uid=str(booking.ical_uid))

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is NoReverseMatch


def test_retry_renders_a_failed_message_again_once_the_fault_is_mended(
    broken_confirmation, week_session, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book_session(week_session, person=UserFactory(), now=BOOKED_ON)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": settings.TEMPLATES[0]["DIRS"][1:]}]

    with django_capture_on_commit_callbacks(execute=True):
        retried = retry_notifications(Notification.objects.all())

    message = Notification.objects.get()
    assert (retried, message.status, message.last_error) == (1, "sent", "")
    assert message.subject.startswith("Booking confirmed: ")
    assert message.calendar_method == "REQUEST"
    assert len(mail.outbox) == 1


def test_task_for_a_message_that_no_longer_exists_does_nothing():
    from notifications.tasks import send_notification

    assert send_notification.call(notification_id=987654) == "missing"
