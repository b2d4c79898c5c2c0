"""Rate limits see the client's address: never a spoofed header, not the proxy's address."""

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from convene.middleware import ClientAddressMiddleware


def seen_address(*, forwarded: str | None, remote: str = "127.0.0.1") -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)
    ClientAddressMiddleware(lambda r: None)(request)
    return AnonRateThrottle().get_ident(Request(request))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # Direct (no proxy): a client's own X-Forwarded-For changes nothing.
        (0, "203.0.113.9", "127.0.0.1"),
        (0, None, "127.0.0.1"),
        # Behind nginx: the hop nginx appended, whatever the client put before it.
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (1, "spoofed, 198.51.100.1,203.0.113.9", "203.0.113.9"),
        # Behind a load balancer and nginx: the balancer's hop, not nginx's.
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # A header with fewer hops than proxies (a request that bypassed one) is ignored.
        (2, "203.0.113.9", "127.0.0.1"),
    ],
)
def test_throttles_key_on_the_address_trusted_proxies_saw(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert seen_address(forwarded=forwarded) == expected
