"""Booking actions are logged as ids and codes: never a name, an email or access needs."""

import logging

import pytest
from django.db import transaction
from pythonjsonlogger.json import JsonFormatter

from audit.models import AuditEvent
from audit.services import record
from booking import services
from tests.factories import OrganisationFactory, SessionFactory, UserFactory, local

pytestmark = pytest.mark.django_db

SECRETS = ["Zebedee Quartermaine", "zebedee.q@example.org", "Wheelchair user", "Quartz Agency"]


def test_audit_log_lines_carry_ids_only(caplog, coordinator, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1, starts_at=local(2030, 7, 12, 12))
    person = UserFactory(
        full_name=SECRETS[0],
        email=SECRETS[1],
        organisation=OrganisationFactory(name=SECRETS[3]),
    )
    caplog.set_level(logging.INFO, logger="audit")

    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_session(session, person=person, access_needs=SECRETS[2])
        services.change_capacity(session, capacity=3, by=coordinator)
        services.cancel_booking(booking, by=coordinator)

    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s")
    lines = [formatter.format(r) for r in caplog.records if r.name == "audit"]
    assert [r.getMessage() for r in caplog.records if r.name == "audit"] == [
        "session.capacity_changed",
        "booking.cancelled",
    ]
    assert lines[1] == (
        '{"levelname": "INFO", "name": "audit", "message": "booking.cancelled", '
        f'"actor_id": {coordinator.pk}, "target_type": "booking.booking", '
        f'"target_id": "{booking.pk}", "data": {{}}}}'
    )
    for line in lines:
        for secret in SECRETS:
            assert secret.lower() not in line.lower()


def test_rolled_back_action_is_not_logged(caplog, coordinator, django_capture_on_commit_callbacks):
    session = SessionFactory()
    caplog.set_level(logging.INFO, logger="audit")

    def change_then_fail():
        with transaction.atomic():
            record("session.changed", actor=coordinator, target=session, fields=["capacity"])
            raise RuntimeError("the change failed after the event was recorded")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change_then_fail()

    assert AuditEvent.objects.count() == 0
    assert [r for r in caplog.records if r.name == "audit"] == []
