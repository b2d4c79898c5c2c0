"""Site-wide request handling: security headers, client addresses, database outages."""

import http
import logging

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


class PermissionsPolicyMiddleware:
    """Set ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` (feature → allowlist).

    A response that sets its own header keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # Settings do not change while the process runs: the header is written once.
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}={allow}" for feature, allow in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's policy built once per process.

    django-csp builds the header from the settings for every response: about 6% of a booking
    request's CPU (docs/performance.md). A response that asks for nothing of its own (no
    nonce was used, no ``csp_*`` decorator, no excluded prefix) gets the header built at
    start-up; any other response goes through django-csp unchanged.
    """

    PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )

    def __init__(self, get_response):
        super().__init__(get_response)
        self.headers = [
            (header, policy)
            for header, policy in (
                (HEADER, build_policy()),
                (HEADER_REPORT_ONLY, build_policy(report_only=True)),
            )
            if policy
        ]
        self.per_request = any(
            (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        )

    def process_response(self, request, response):
        if (
            self.per_request
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in self.PER_RESPONSE)
            or (settings.DEBUG and response.status_code in _DEBUG_PAGES)
        ):
            return super().process_response(request, response)
        for header, policy in self.headers:
            if header not in response:
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


# django-csp leaves Django's own debug pages (500 and 404 with DEBUG on) without the header.
_DEBUG_PAGES = (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND)


class PrivatePagesMiddleware:
    """``Cache-Control: no-store`` on everything answered to a signed-in person.

    What a signed-in person sees is theirs (registers with access needs, their bookings, their
    account, exports): no browser history cache, proxy or CDN may keep it. A response that sets
    its own Cache-Control keeps it (feeds say ``private`` with their validators). Pages for
    anonymous visitors that show personal data (the sign-in pages) say ``never_cache``
    themselves. Costs no query: the user is already known, or there is no session to read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class ClientAddressMiddleware:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, take the client's address from the hop
    the nearest trusted proxy added to ``X-Forwarded-For``.

    Rate limits (sign-in links per address, the API's anonymous throttle) key on
    ``REMOTE_ADDR``; behind nginx that is the proxy for everyone. Earlier hops are whatever the
    client sent and are never trusted. With no trusted proxy (the default) nothing changes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
        if proxies:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= proxies:
                request.META["REMOTE_ADDR"] = hops[-proxies]
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` when the database connection fails, not a bare 500.

    A dropped or refused connection (failover, restart, an administrator ending the backend) or
    a deadlock leaves nothing changed, so the client may simply try again: bookings cannot be
    doubled (one active booking per person) and API clients can resend their Idempotency-Key.
    DRF re-raises errors it does not handle, so API views arrive here too.
    """

    RETRY_AFTER_SECONDS = 2

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", type(exception).__name__, exc_info=exception)
        detail = "The service is briefly unavailable. Please try again in a moment."
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "service_unavailable", "detail": detail}, status=503)
        else:
            response = HttpResponse(
                '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
                "<title>Service unavailable</title></head><body><h1>Sorry, the service is "
                f"unavailable</h1><p>{detail}</p><p>Nothing was changed.</p></body></html>",
                status=503,
            )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
