"""Response headers that Django's SecurityMiddleware does not set itself."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Set ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` (feature → allowlist).

    A response that sets its own header keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        if policy:
            response.headers.setdefault(
                "Permissions-Policy",
                ", ".join(f"{feature}={allow}" for feature, allow in policy.items()),
            )
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
