"""Sending one signed request: Standard Webhooks signatures and an HTTP client that refuses
private and loopback addresses, follows no redirects and gives up after a time-out.

The address rule is checked twice: the host's addresses when it is resolved, and the address
the socket actually connected to (so a name that resolves differently a moment later, DNS
rebinding, still cannot reach an internal service). Proxies from the environment are ignored,
so the connected address is the receiver's own. ``WEBHOOK_ALLOW_PRIVATE=true`` lifts the rule
(development, tests, a receiver on the same private network).
"""

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
USER_AGENT = "Convene-Webhooks/1"


class RefusedAddress(Exception):
    """The URL points at a private, loopback or otherwise non-public address."""


# Signing (https://www.standardwebhooks.com/).


def new_secret() -> str:
    """``whsec_`` and 32 random bytes in base64, the format Standard Webhooks libraries read."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed with the decoded secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, webhook_id: str, body: str, *, timestamp: int | None = None):
    """The three Standard Webhooks headers; the timestamp is the time of this attempt, so a
    retry hours later still passes the receiver's five-minute tolerance."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, webhook_id, timestamp, body),
    }


# Which addresses may be reached.


def address_allowed(address: str) -> bool:
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> None:
    """Refuse a URL that is not http(s) or whose host is (or resolves to) a non-public address.

    A name that does not resolve now is accepted: it is checked again on every delivery.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("Use an http or https URL with a host name.")
    if parts.username or parts.password:
        raise RefusedAddress("Put no user name or password in the URL.")
    host = parts.hostname
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise RefusedAddress("Local addresses are refused.")
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _resolve(host, parts.port) if resolve else []
    for address in addresses:
        if not address_allowed(address):
            raise RefusedAddress(f"{host} is a private or loopback address.")


def _resolve(host: str, port: int | None) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [info[4][0] for info in infos]


class _CheckedConnectionMixin:
    """Refuse the socket once connected if its peer is not a public address."""

    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not address_allowed(peer):
            sock.close()
            raise RefusedAddress(f"Connected to a private or loopback address ({peer}).")
        return sock


class _CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }
        self.poolmanager.key_fn_by_scheme = dict(self.poolmanager.key_fn_by_scheme)


def _client() -> requests.Session:
    client = requests.Session()
    client.trust_env = False  # no proxies from the environment: we check the real peer
    adapter = _CheckedAdapter(max_retries=0)
    client.mount("http://", adapter)
    client.mount("https://", adapter)
    client.headers["User-Agent"] = USER_AGENT
    return client


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, *, secret: str, webhook_id: str, body: str) -> Outcome:
    """POST the body, signed, once. Any 2xx is success; anything else (a redirect included,
    which is never followed) is a failure with the status code or the error's name."""
    started = time.monotonic()
    headers = {"Content-Type": "application/json", **signed_headers(secret, webhook_id, body)}
    status_code, error = None, ""
    try:
        check_url(url)
        with _client() as client:
            response = client.post(
                url,
                data=body.encode(),
                headers=headers,
                timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
                allow_redirects=False,
                stream=True,  # the receiver's body is never read
            )
            response.close()
        status_code = response.status_code
        if response.is_redirect or 300 <= status_code < 400:
            error = "Redirect not followed."
    except RefusedAddress as refused:
        error = f"Refused: {refused}"
    except requests.Timeout:
        error = "Timed out."
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: could not connect."
    duration_ms = int((time.monotonic() - started) * 1000)
    return Outcome(status_code=status_code, error=error[:300], duration_ms=duration_ms)
