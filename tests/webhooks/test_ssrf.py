"""Private and loopback receivers are refused unless WEBHOOK_ALLOW_PRIVATE; redirects are never
followed; requests time out."""

import socket
import threading

import pytest
from django.utils import timezone

from booking import services as booking_services
from common.errors import InvalidValue
from tests import factories
from tests.webhooks.receiver import Receiver
from webhooks import services
from webhooks.models import Attempt, Delivery
from webhooks.tasks import send_due
from webhooks.transport import RefusedAddress, address_allowed, check_url, post

PRIVATE_URLS = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://localhost/hook",
    "http://api.localhost/hook",
    "http://10.0.0.8/hook",
    "http://172.16.5.4/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://224.0.0.1/hook",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
@pytest.mark.django_db
def test_private_addresses_are_refused_at_registration(url, coordinator):
    with pytest.raises(InvalidValue) as refused:
        services.create_endpoint(url=url, events=["booking.created"], by=coordinator)
    assert refused.value.code == "validation_error"
    assert "url" in refused.value.errors


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "http://u:p@example.org/"]
)
def test_other_schemes_and_credentials_are_refused(url):
    with pytest.raises(RefusedAddress):
        check_url(url)


def test_public_addresses_are_allowed():
    assert address_allowed("93.184.215.14")
    assert address_allowed("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    check_url("https://93.184.215.14/hook")
    check_url("https://unresolvable.example.invalid/hook")  # checked again on delivery


def test_a_name_resolving_to_loopback_is_refused(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("127.0.0.1", 443))])
    with pytest.raises(RefusedAddress):
        check_url("https://partner.example.org/hook")


def test_private_addresses_are_allowed_with_the_setting(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    check_url("http://127.0.0.1:9000/hook")


@pytest.mark.django_db
def test_a_loopback_receiver_gets_nothing_without_the_setting(
    endpoint_for, receiver, person, settings
):
    """Registered while allowed, then the setting is off: the delivery is refused and recorded,
    and the receiver never sees a request."""
    endpoint = endpoint_for(receiver.url)
    booking_services.book_session(factories.SessionFactory(), person=person)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    send_due()
    assert receiver.requests == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused")
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    assert endpoint.deliveries.count() == 1


def test_the_connected_peer_is_checked_even_if_the_name_looked_public(monkeypatch, settings):
    """DNS rebinding: the name resolves to a public address when checked and to loopback when
    connected; the socket's peer is what counts."""
    server = Receiver().start()
    try:
        port = server.server.server_address[1]
        real = socket.getaddrinfo
        calls = {"n": 0}

        def rebinding(host, *args, **kwargs):
            if host == "rebind.example.org":
                calls["n"] += 1
                if calls["n"] == 1:
                    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
                return real("127.0.0.1", *args, **kwargs)
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        outcome = post(
            f"http://rebind.example.org:{port}/hooks",
            secret="whsec_" + "A" * 43 + "=",
            webhook_id="msg_x",
            body="{}",
        )
        assert outcome.status_code is None
        assert "private or loopback" in outcome.error
        assert server.requests == []
    finally:
        server.stop()


@pytest.mark.django_db
def test_redirects_are_not_followed(endpoint_for, person):
    target = Receiver().start()
    redirecting = Receiver(status=307).start()
    redirecting.respond = lambda n: (307, {"Location": target.url})
    try:
        endpoint_for(redirecting.url)
        booking_services.book_session(factories.SessionFactory(), person=person)
        send_due()
        assert len(redirecting.requests) == 1
        assert target.requests == []
        attempt = Attempt.objects.get()
        assert attempt.status_code == 307
        assert attempt.error == "Redirect not followed."
        assert Delivery.objects.get().status == Delivery.Status.PENDING  # retried later
    finally:
        target.stop()
        redirecting.stop()


@pytest.mark.django_db
def test_a_silent_receiver_times_out(endpoint_for, person, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    settings.WEBHOOK_READ_TIMEOUT = 0.5
    try:
        endpoint_for(f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
        booking_services.book_session(factories.SessionFactory(), person=person)
        started = timezone.now()
        send_due()
        assert (timezone.now() - started).total_seconds() < 5
        assert Attempt.objects.get().error == "Timed out."
    finally:
        for connection, _ in accepted:
            connection.close()
        listener.close()
