"""The API is closed by default: DRF's default permission is IsAuthenticated, and every view
open to anonymous callers says so itself (issue 21)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.settings import api_settings
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db


def api_views():
    """(route, view class) of every DRF view the site serves."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None)
                if view is not None and issubclass(view, APIView):
                    yield prefix + str(pattern.pattern), view

    return list(walk(get_resolver().url_patterns))


def test_the_default_permission_is_is_authenticated():
    default = api_settings.DEFAULT_PERMISSION_CLASSES
    assert default == [IsAuthenticated]


def test_every_api_view_states_its_permission():
    views = api_views()
    assert len(views) >= 15
    unstated = [
        route
        for route, view in views
        if not any("permission_classes" in vars(klass) for klass in view.__mro__[:-3])
        and view.permission_classes == api_settings.DEFAULT_PERMISSION_CLASSES
        and not route.startswith(("api/schema/", "api/docs/"))
    ]
    assert unstated == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/programmes/",
        "/api/v1/themes/",
        "/api/v1/events/",
        "/api/v1/sessions/",
        "/api/schema/",
        "/api/docs/",
    ],
)
def test_public_endpoints_and_the_schema_still_answer_anonymous_callers(client, path):
    response = client.get(path)

    assert response.status_code == 200


def test_schema_and_docs_views_are_explicitly_open():
    views = dict(api_views())
    assert views["api/schema/"].permission_classes != [IsAuthenticated]
    for route in ("api/schema/", "api/docs/"):
        assert [type(p) for p in views[route]().get_permissions()] == [AllowAny]


def test_anonymous_callers_get_401_with_bearer_challenge_on_protected_endpoints(client):
    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
