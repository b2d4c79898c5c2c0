"""Webhook data is the API's own object, built without the API; and costs nothing unheard."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import issue_api_token
from booking import services
from booking.payloads import booking_data, session_data
from tests import factories
from webhooks.models import Message
from webhooks.subscriptions import subscribed_types


def api_get(user, path):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user)}")
    response = client.get(path)
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_booking_data_is_the_apis_booking(coordinator):
    session = factories.SessionFactory(capacity=1)
    factories.book_three_days_before(session, factories.UserFactory())
    waiting = services.book_session(session, person=factories.UserFactory())
    for booking in (waiting, session.bookings.first()):
        api = api_get(coordinator, f"/api/v1/bookings/{booking.pk}/")
        del api["access_needs"]
        fresh = type(booking).objects.select_related("session").get(pk=booking.pk)
        assert booking_data(fresh) == api


@pytest.mark.django_db
def test_session_data_is_the_apis_session(coordinator, settings):
    settings.SITE_URL = "http://testserver"
    theme = factories.ThemeFactory()
    session = factories.SessionFactory(delivery="hybrid", join_url="https://meet.example.org/x")
    session.event.themes.add(theme)
    session.trainers.add(factories.UserFactory())
    factories.book_three_days_before(session, factories.UserFactory())
    api = api_get(coordinator, f"/api/v1/sessions/{session.pk}/")
    del api["join_url"]
    assert session_data(session.pk) == api


@pytest.mark.django_db
def test_no_listener_no_query(person):
    """With no endpoint for the type (the set is cached), booking asks nothing about webhooks."""
    session = factories.SessionFactory()
    subscribed_types()  # warm the cache, as any earlier request would
    with CaptureQueriesContext(connection) as queries:
        services.book_session(session, person=person)
    assert not [q for q in queries.captured_queries if "webhooks_" in q["sql"]]
    assert not Message.objects.exists()
