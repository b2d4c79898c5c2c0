"""Booking actions are logged as ids and codes: never a name, an email or access needs."""

import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from booking import services
from tests.factories import OrganisationFactory, SessionFactory, UserFactory, local

pytestmark = pytest.mark.django_db

SECRETS = ["Zebedee Quartermaine", "zebedee.q@example.org", "Wheelchair user", "Quartz Agency"]


def test_audit_log_lines_carry_ids_only(caplog, coordinator):
    session = SessionFactory(capacity=1, starts_at=local(2030, 7, 12, 12))
    person = UserFactory(
        full_name=SECRETS[0],
        email=SECRETS[1],
        organisation=OrganisationFactory(name=SECRETS[3]),
    )
    caplog.set_level(logging.INFO, logger="audit")

    booking = services.book_session(session, person=person, access_needs=SECRETS[2])
    services.update_session(session, capacity=3, by=coordinator)
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
