"""Who did what: booking actions are in the audit trail, which only coordinators can read."""

from datetime import timedelta

import pytest

from audit.models import AuditEvent
from booking import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def trail() -> list[tuple[str, int | None, str]]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "actor_id", "target_type"))


def test_coordinator_and_trainer_actions_are_recorded(session, coordinator, trainer):
    """Not yet recorded (a gap reported to the lead): making a booking, and a person cancelling
    their own."""
    booking = services.book_session(session, person=UserFactory())
    services.update_session(session, capacity=5, by=coordinator)
    services.mark_attendance(
        booking, attendance="attended", by=trainer, now=session.starts_at + timedelta(days=1)
    )
    services.cancel_booking(services.book_session(session, person=UserFactory()), by=coordinator)
    services.cancel_session(session, by=coordinator, reason="Trainer unwell")

    assert trail() == [
        ("session.capacity_changed", coordinator.pk, "events.session"),
        ("booking.attendance_marked", trainer.pk, "booking.booking"),
        ("booking.cancelled", coordinator.pk, "booking.booking"),
        ("session.cancelled", coordinator.pk, "events.session"),
    ]
    assert AuditEvent.objects.get(action="session.capacity_changed").data == {"old": 2, "new": 5}


def test_audit_trail_holds_ids_and_counts_only(session, coordinator):
    person = UserFactory(full_name="Quilla Zephyr", email="quilla@example.org")
    booking = services.book_session(session, person=person, access_needs="Hearing loop")

    services.cancel_booking(booking, by=coordinator)

    for event in AuditEvent.objects.all():
        text = f"{event.target_id} {event.data}".lower()
        assert "quilla" not in text
        assert "hearing" not in text


def test_only_coordinators_can_read_the_trail(client, session, coordinator, trainer, person):
    services.update_session(session, capacity=3, by=coordinator)
    url = "/admin/audit/auditevent/?action=session.capacity_changed"

    for outsider in (person, trainer):
        client.force_login(outsider)
        assert client.get(url).status_code == 302  # to the admin sign-in

    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"session.capacity_changed" in response.content
    assert client.post("/admin/audit/auditevent/add/").status_code == 403
    event = AuditEvent.objects.get()
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403


@pytest.mark.parametrize("export", ["register.csv", "register.xlsx", "sign-in-sheet.pdf"])
def test_register_exports_are_recorded(client, session, trainer, export):
    services.book_session(session, person=UserFactory())
    client.force_login(trainer)

    response = client.get(f"/trainer/sessions/{session.pk}/{export}")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="register.exported")
    assert (event.actor_id, event.target_type, event.target_id) == (
        trainer.pk,
        "events.session",
        str(session.pk),
    )
    assert event.data == {"format": export.rsplit(".", 1)[1], "rows": 1}
