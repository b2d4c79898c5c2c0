"""The coordinators' Webhooks page: add an endpoint (secret shown once), see deliveries,
switch a disabled one back on, remove one."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CoordinatorFactory, UserFactory
from webhooks.models import Attempt, Delivery, Endpoint, Message

pytestmark = pytest.mark.django_db
PAGE = reverse("manage:webhooks")


def test_only_coordinators(client):
    assert client.get(PAGE).status_code == 302
    client.force_login(UserFactory())
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"url": "https://hr.example.org/h"}).status_code == 404


def test_add_an_endpoint_and_see_its_secret_once(client):
    client.force_login(CoordinatorFactory())
    response = client.post(
        PAGE,
        {"url": "https://93.184.215.14/hook", "events": ["booking.created", "attendance.marked"]},
    )
    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["attendance.marked", "booking.created"]
    first = client.get(PAGE).content.decode()
    assert endpoint.secret in first
    assert "Copy the signing secret now" in first
    assert endpoint.secret not in client.get(PAGE).content.decode()


def test_refusals_are_shown_on_the_form(client):
    client.force_login(CoordinatorFactory())
    response = client.post(PAGE, {"url": "http://10.1.2.3/hook", "events": ["booking.created"]})
    assert response.status_code == 400
    assert "private or loopback" in response.content.decode()
    response = client.post(PAGE, {"url": "https://93.184.215.14/hook"})
    assert response.status_code == 400
    assert "Choose at least one event" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_deliveries_enable_and_remove(client):
    client.force_login(CoordinatorFactory())
    endpoint = Endpoint.objects.create(
        url="https://93.184.215.14/hook",
        events=["booking.created"],
        secret="whsec_x",
        active=False,
        disabled_reason="Every delivery failed for 3 days.",
    )
    message = Message.objects.create(
        webhook_id="msg_1", type="booking.created", body="{}", ordering_key="booking-1"
    )
    delivery = Delivery.objects.create(message=message, endpoint=endpoint, ordering_key="b-1")
    Attempt.objects.create(
        delivery=delivery, number=1, attempted_at=timezone.now(), status_code=503
    )
    page = client.get(PAGE).content.decode()
    assert "HTTP 503" in page
    assert "Switched off" in page
    client.post(reverse("manage:enable_webhook", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.active
    client.post(reverse("manage:delete_webhook", args=[endpoint.pk]))
    assert not Endpoint.objects.exists()
