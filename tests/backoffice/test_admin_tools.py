"""The coordinators' admin changes sessions only through the services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from booking.models import Booking
from events.models import Session
from notifications.models import Notification
from tests.factories import SessionFactory, UserFactory, book_three_days_before

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def _change_data(session: Session, **overrides) -> dict:
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    data = {
        "event": session.event_id,
        "starts_at_0": f"{starts:%d/%m/%Y}",
        "starts_at_1": f"{starts:%H:%M}",
        "ends_at_0": f"{ends:%d/%m/%Y}",
        "ends_at_1": f"{ends:%H:%M}",
        "delivery": session.delivery,
        "venue": session.venue_id or "",
        "join_url": session.join_url,
        "capacity": session.capacity,
        "waitlist_enabled": "on" if session.waitlist_enabled else "",
        "waitlist_limit": "",
        "booking_opens_at_0": "",
        "booking_opens_at_1": "",
        "booking_closes_at_0": "",
        "booking_closes_at_1": "",
        "trainers": [trainer.pk for trainer in session.trainers.all()],
        "notes": session.notes,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def booked_session(session):
    """Next week's session (capacity 2) with one confirmed person."""
    book_three_days_before(session, UserFactory())
    return session


def test_admin_move_goes_through_update_session(
    client, coordinator, booked_session, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    later = timezone.localtime(booked_session.ends_at + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:events_session_change", args=[booked_session.pk]),
            _change_data(booked_session, ends_at_1=f"{later:%H:%M}"),
        )

    assert response.status_code == 302
    booked_session.refresh_from_db()
    booking = booked_session.bookings.get()
    assert booked_session.ends_at == later
    assert (booked_session.sequence, booking.ical_sequence) == (1, 1)
    assert AuditEvent.objects.get(action="session.changed").data == {"fields": ["ends_at"]}
    update = Notification.objects.get(booking=booking)
    assert (update.kind, update.calendar_method, update.calendar_sequence) == (
        "session_changed",
        "REQUEST",
        1,
    )


def test_admin_capacity_below_confirmed_is_a_form_error(client, coordinator, booked_session):
    book_three_days_before(booked_session, UserFactory())
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:events_session_change", args=[booked_session.pk]),
        _change_data(booked_session, capacity=1),
    )

    assert response.status_code == 200
    assert "2 places are confirmed; capacity cannot go below that." in response.content.decode()
    booked_session.refresh_from_db()
    assert booked_session.capacity == 2
    assert not AuditEvent.objects.filter(action="session.changed").exists()


def test_admin_capacity_rise_promotes_the_waitlist(client, coordinator, booked_session):
    book_three_days_before(booked_session, UserFactory())
    waiting = book_three_days_before(booked_session, UserFactory())
    client.force_login(coordinator)

    client.post(
        reverse("admin:events_session_change", args=[booked_session.pk]),
        _change_data(booked_session, capacity=3),
    )

    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED


def test_admin_add_goes_through_create_session(client, coordinator, trainer, booked_session):
    client.force_login(coordinator)
    data = _change_data(booked_session, trainers=[trainer.pk])

    response = client.post(reverse("admin:events_session_add"), data)

    assert response.status_code == 302
    created = Session.objects.exclude(pk=booked_session.pk).get()
    assert list(created.trainers.all()) == [trainer]
    assert AuditEvent.objects.filter(action="session.created", target_id=str(created.pk)).exists()


def test_admin_cancel_with_a_reason(
    client, coordinator, booked_session, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("admin:events_session_cancel", args=[booked_session.pk])

    assert "1 people are booked or waiting" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "The trainer is unwell."})

    assert response.status_code == 302
    booked_session.refresh_from_db()
    assert booked_session.status == Session.Status.CANCELLED
    assert booked_session.cancellation_reason == "The trainer is unwell."
    booking = booked_session.bookings.get()
    assert booking.status == Booking.Status.CANCELLED
    cancellation = Notification.objects.get(booking=booking)
    assert (cancellation.kind, cancellation.calendar_method) == ("session_cancelled", "CANCEL")
    assert "The trainer is unwell." in cancellation.body_text


def test_admin_cancel_needs_a_reason(client, coordinator, booked_session):
    client.force_login(coordinator)

    response = client.post(reverse("admin:events_session_cancel", args=[booked_session.pk]))

    assert response.status_code == 200
    booked_session.refresh_from_db()
    assert booked_session.status == Session.Status.SCHEDULED


def test_admin_duplicate_copies_settings_and_trainers(client, coordinator, trainer, booked_session):
    client.force_login(coordinator)
    starts = timezone.localtime(booked_session.starts_at + timedelta(days=14))
    ends = timezone.localtime(booked_session.ends_at + timedelta(days=14))

    response = client.post(
        reverse("admin:events_session_duplicate", args=[booked_session.pk]),
        {
            "starts_at_0": f"{starts:%d/%m/%Y}",
            "starts_at_1": f"{starts:%H:%M}",
            "ends_at_0": f"{ends:%d/%m/%Y}",
            "ends_at_1": f"{ends:%H:%M}",
        },
    )

    copy = Session.objects.exclude(pk=booked_session.pk).get()
    assert response["Location"] == reverse("admin:events_session_change", args=[copy.pk])
    assert (copy.starts_at, copy.ends_at, copy.capacity, copy.venue_id, copy.event_id) == (
        starts,
        ends,
        2,
        booked_session.venue_id,
        booked_session.event_id,
    )
    assert list(copy.trainers.all()) == [trainer]
    assert copy.uid != booked_session.uid
    assert copy.bookings.count() == 0


def test_admin_duplicate_action_one_week_later(client, coordinator, booked_session):
    client.force_login(coordinator)

    client.post(
        reverse("admin:events_session_changelist"),
        {"action": "duplicate_one_week_later", "_selected_action": [booked_session.pk]},
    )

    copy = Session.objects.exclude(pk=booked_session.pk).get()
    assert copy.starts_at == booked_session.starts_at + timedelta(weeks=1)


def test_admin_message_attendees(
    client, coordinator, booked_session, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:events_session_message", args=[booked_session.pk]),
            {"subject": "Parking", "body": "Use the north car park."},
        )

    assert response.status_code == 302
    assert AuditEvent.objects.get(action="session.messaged").data == {"recipients": 1}
    message = Notification.objects.get(kind="attendee_message")
    assert (message.session, message.booking.status, message.subject) == (
        booked_session,
        "confirmed",
        f"Parking: {booked_session.event.title}, "
        f"{timezone.localtime(booked_session.starts_at):%A %-d %B}",
    )
    assert "Use the north car park." in message.body_text


@pytest.mark.parametrize("tool", ["cancel", "duplicate", "message"])
def test_admin_tools_refused_for_trainers(client, trainer, booked_session, tool):
    client.force_login(trainer)

    response = client.get(reverse(f"admin:events_session_{tool}", args=[booked_session.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("sessions", [1, 3])
def test_admin_session_list_links_registers_with_constant_queries(
    client, coordinator, sessions, django_assert_num_queries
):
    for _ in range(sessions):
        book_three_days_before(SessionFactory(), UserFactory())
    client.force_login(coordinator)

    with django_assert_num_queries(11):
        response = client.get(reverse("admin:events_session_changelist"))

    assert response.content.decode().count("Open register") == sessions


def test_admin_sessions_cannot_be_deleted(client, coordinator, booked_session):
    client.force_login(coordinator)

    response = client.get(reverse("admin:events_session_delete", args=[booked_session.pk]))

    assert response.status_code == 403


def test_admin_booking_actions_use_the_rules(client, coordinator, booked_session):
    booking = booked_session.bookings.get()
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:booking_booking_changelist"),
        {"action": "mark_attended", "_selected_action": [booking.pk]},
        follow=True,
    )

    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.UNMARKED
    assert "Attendance can be marked from the day of the session." in response.content.decode()


def test_admin_trainer_change_alone_keeps_the_calendar_sequence(
    client, coordinator, booked_session
):
    other_trainer = UserFactory(full_name="Gareth Example")
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:events_session_change", args=[booked_session.pk]),
        _change_data(booked_session, trainers=[other_trainer.pk]),
    )

    assert response.status_code == 302
    booked_session.refresh_from_db()
    assert list(booked_session.trainers.all()) == [other_trainer]
    assert booked_session.sequence == 0
    assert not AuditEvent.objects.filter(action="session.changed").exists()
