"""Coordinators set offers and reserved places per sector in the Manage area."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking import services
from events.models import Session
from tests.factories import OrganisationFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def allocation_data(**overrides) -> dict:
    data = {"promotion": "automatic", "offer_hours": "24"}
    data.update(overrides)
    return data


@pytest.fixture
def manager(client, coordinator):
    client.force_login(coordinator)
    return client


def test_the_session_page_links_the_allocation_page(manager):
    session = SessionFactory(capacity=10)

    page = manager.get(reverse("manage:session", args=[session.pk])).content.decode()

    assert reverse("manage:session_allocation", args=[session.pk]) in page
    assert "Change offers and reserved places" in page
    assert "Given to the next person at once" in page


def test_coordinator_sets_offers_and_quotas(manager):
    session = SessionFactory(capacity=10)
    release = timezone.localtime(session.starts_at - timedelta(days=3)).replace(second=0)

    response = manager.post(
        reverse("manage:session_allocation", args=[session.pk]),
        allocation_data(
            promotion="offer",
            offer_hours="12",
            quota_police="3",
            quota_health="2",
            quota_release_at_day=str(release.day),
            quota_release_at_month=str(release.month),
            quota_release_at_year=str(release.year),
            quota_release_at_time=f"{release:%H:%M}",
        ),
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.promotion, session.offer_hours, session.quota_release_at) == (
        "offer",
        12,
        release,
    )
    # In the order of the sectors' list.
    assert session.sector_quotas == [
        {"sector": "police", "places": 3},
        {"sector": "health", "places": 2},
    ]
    page = manager.get(reverse("manage:session", args=[session.pk])).content.decode()
    assert "Police: 0 of 3 confirmed" in page
    assert "Offered to the next person for 12 hours" in page


def test_quotas_above_capacity_are_refused_and_nothing_changes(manager):
    session = SessionFactory(capacity=4)

    response = manager.post(
        reverse("manage:session_allocation", args=[session.pk]),
        allocation_data(promotion="offer", quota_police="3", quota_health="2"),
    )

    assert response.status_code == 200
    assert "The reserved places add up to 5, more than the capacity of 4." in (
        response.content.decode()
    )
    session.refresh_from_db()
    assert (session.promotion, session.sector_quotas) == ("automatic", [])


@pytest.mark.parametrize(
    ("field", "value"), [("offer_hours", "-1"), ("offer_hours", ""), ("quota_police", "-2")]
)
def test_bad_numbers_are_refused(manager, field, value):
    session = SessionFactory(capacity=4)

    response = manager.post(
        reverse("manage:session_allocation", args=[session.pk]), allocation_data(**{field: value})
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_the_session_page_lists_offered_places(manager):
    session = SessionFactory(capacity=1, promotion=Session.Promotion.OFFER)
    holder = services.book_session(session, person=UserFactory())
    services.book_session(
        session,
        person=UserFactory(full_name="Olu Example", organisation=OrganisationFactory(name="Ex")),
    )
    services.cancel_booking(holder, by=holder.person)

    page = manager.get(reverse("manage:session", args=[session.pk])).content.decode()

    assert "Offered places (1)" in page
    assert "Olu Example" in page
    assert "0 of 1 booked, 1 offered, 0 left" in page


def test_practitioners_get_a_404(client, person):
    client.force_login(person)
    session = SessionFactory()

    response = client.get(reverse("manage:session_allocation", args=[session.pk]))

    assert response.status_code == 404
