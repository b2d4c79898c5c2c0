"""POST sessions/{id}/bookings/ refuses a clash with 409 schedule_conflict unless allow_conflict."""

import pytest

from tests import factories


@pytest.mark.django_db
def test_schedule_conflict_is_409_unless_allowed(api, person):
    first = factories.SessionFactory()
    second = factories.SessionFactory(starts_at=first.starts_at, ends_at=first.ends_at)
    client = api(person)
    assert (
        client.post(f"/api/v1/sessions/{first.pk}/bookings/", {}, format="json").status_code == 201
    )
    clash = client.post(f"/api/v1/sessions/{second.pk}/bookings/", {}, format="json")
    assert clash.status_code == 409
    assert clash.json()["code"] == "schedule_conflict"
    allowed = client.post(
        f"/api/v1/sessions/{second.pk}/bookings/", {"allow_conflict": True}, format="json"
    )
    assert allowed.status_code == 201
    assert allowed.json()["status"] == "confirmed"
