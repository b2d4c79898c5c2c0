"""The webhooks API: coordinators register, list, remove endpoints and read their deliveries."""

import pytest
from standardwebhooks import Webhook

from booking import services as booking_services
from tests import factories
from tests.webhooks.receiver import Receiver
from webhooks.models import Endpoint
from webhooks.tasks import send_due

URL = "/api/v1/webhooks/"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.mark.django_db
def test_register_list_deliveries_and_delete(api, coordinator, receiver, person):
    client = api(coordinator)
    created = client.post(URL, {"url": receiver.url, "events": ["booking.created"]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["booking.created"]
    assert body["active"] is True

    listed = client.get(URL).json()
    assert listed["count"] == 1
    assert "secret" not in listed["results"][0]
    assert "secret" not in client.get(f"{URL}{body['id']}/").json()

    booking_services.book_session(factories.SessionFactory(), person=person)
    send_due()
    Webhook(body["secret"]).verify(receiver.requests[0].body, receiver.requests[0].headers)

    deliveries = client.get(f"{URL}{body['id']}/deliveries/").json()
    assert deliveries["count"] == 1
    [attempt] = deliveries["results"]
    assert attempt["status_code"] == 204
    assert attempt["succeeded"] is True
    assert attempt["type"] == "booking.created"
    assert attempt["webhook_id"] == receiver.requests[0].headers["webhook-id"]
    assert attempt["delivery_status"] == "delivered"

    assert client.delete(f"{URL}{body['id']}/").status_code == 204
    assert client.get(f"{URL}{body['id']}/").status_code == 404
    assert client.get(f"{URL}{body['id']}/deliveries/").status_code == 404
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "https://hr.example.org/hook", "events": []}, "events"),
        ({"url": "https://hr.example.org/hook", "events": ["booking.eaten"]}, "events"),
        ({"url": "https://hr.example.org/hook"}, "events"),
        ({"url": "not a url", "events": ["booking.created"]}, "url"),
        ({"url": "http://127.0.0.1/hook", "events": ["booking.created"]}, "url"),
        ({"url": "http://169.254.169.254/", "events": ["booking.created"]}, "url"),
        ({"url": "https://hr.example.org/hook", "events": "booking.created"}, "events"),
    ],
)
@pytest.mark.django_db
def test_bad_registrations_are_validation_errors(api, coordinator, payload, field):
    response = api(coordinator).post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_a_public_https_endpoint_is_accepted(api, coordinator):
    response = api(coordinator).post(
        URL, {"url": "https://93.184.215.14/hook", "events": ["session.cancelled"]}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_only_coordinators(api, person):
    assert api().get(URL).status_code == 401
    assert api().post(URL, {}, format="json").status_code == 401
    assert api(person).get(URL).status_code == 403
    response = api(person).post(
        URL, {"url": "https://hr.example.org/x", "events": ["booking.created"]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    endpoint = Endpoint.objects.create(url="https://hr.example.org/x", events=[], secret="s")
    assert api(person).delete(f"{URL}{endpoint.pk}/").status_code == 403
    assert api(person).get(f"{URL}{endpoint.pk}/deliveries/").status_code == 403
    assert Endpoint.objects.exists()
