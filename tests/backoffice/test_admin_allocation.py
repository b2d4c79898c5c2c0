"""Coordinators set offers and sector quotas on the session's admin page (the Manage area)."""

import json

import pytest
from django.urls import reverse

from tests.backoffice.test_admin_tools import _change_data

pytestmark = pytest.mark.django_db


def test_coordinator_sets_offers_and_quotas(client, coordinator, session):
    client.force_login(coordinator)
    quotas = [{"sector": "police", "places": 1}]

    response = client.post(
        reverse("admin:events_session_change", args=[session.pk]),
        _change_data(
            session, promotion="offer", offer_hours="12", sector_quotas=json.dumps(quotas)
        ),
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.promotion, session.offer_hours, session.sector_quotas) == ("offer", 12, quotas)


def test_the_change_page_has_a_fair_allocation_section(client, coordinator, session):
    client.force_login(coordinator)

    page = client.get(reverse("admin:events_session_change", args=[session.pk])).content.decode()

    assert "Fair allocation" in page
    assert 'name="sector_quotas"' in page
    assert 'name="promotion"' in page


@pytest.mark.parametrize(
    ("quotas", "message"),
    [
        ([{"sector": "police", "places": 3}], "more than the capacity of 2"),
        ([{"sector": "astronauts", "places": 1}], "is not a sector"),
    ],
)
def test_bad_quotas_are_refused_with_a_message(client, coordinator, session, quotas, message):
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:events_session_change", args=[session.pk]),
        _change_data(session, sector_quotas=json.dumps(quotas)),
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    session.refresh_from_db()
    assert session.sector_quotas == []
