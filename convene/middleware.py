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
