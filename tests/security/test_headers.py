"""Security headers on pages, the API and the admin, as a browser receives them."""

import pytest

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def pages(db):
    session = SessionFactory()
    return [
        "/",
        "/sessions/",
        session.get_absolute_url(),
        f"/events/{session.event.slug}/",
        f"/programmes/{session.event.programme.slug}/",
        "/sign-in/",
        "/privacy/",
        "/accessibility/",
        "/admin/login/",
        "/healthz",
    ]


def test_pages_carry_a_strict_content_security_policy(client, pages):
    for url in pages:
        response = client.get(url)

        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["base-uri"] == ["'self'"], url
        assert policy["form-action"] == ["'self'"], url
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], url


def test_pages_carry_the_other_security_headers(client, pages):
    for url in pages:
        response = client.get(url)

        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        permissions = dict(
            item.split("=", 1) for item in response["Permissions-Policy"].split(", ")
        )
        assert permissions["camera"] == "()", url
        assert permissions["geolocation"] == "()", url
        assert permissions["microphone"] == "()", url
        assert permissions["payment"] == "()", url


def test_rendered_pages_hold_no_inline_script_or_style(client, pages):
    """The policy forbids inline code, so a page that has any would break in browsers."""
    for url in pages:
        html = client.get(url).content.decode()

        assert "<script>" not in html, url
        assert "<style" not in html, url
        assert " style=" not in html, url
        assert " onclick=" not in html, url


def test_https_site_redirects_plain_http_but_not_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

    plain = client.get("/sessions/")
    proxied = client.get("/sessions/", headers={"X-Forwarded-Proto": "https"})
    health = client.get("/healthz")

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/sessions/"
    assert proxied.status_code == 200
    assert health.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/events/session/",
        "/admin/events/session/add/",
        "/admin/booking/booking/",
        "/admin/audit/auditevent/",
    ],
)
def test_admin_pages_work_under_the_policy(client, coordinator, url):
    """Django's admin loads its scripts as files, so the strict policy does not break it."""
    SessionFactory()
    client.force_login(coordinator)

    response = client.get(url)

    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "<script>" not in html
    assert "<style" not in html


def test_the_policy_built_once_is_django_csps_own(rf):
    """The middleware writes the header it built at start-up; django-csp's own middleware,
    building it per response, writes the same, and still handles what is per response."""
    from csp.decorators import csp_update
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from convene.middleware import ContentSecurityPolicyMiddleware

    def view(request):
        return HttpResponse("ok")

    @csp_update({"img-src": ["https://img.example.org"]})
    def updated(request):
        return HttpResponse("ok")

    def with_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    for page in (view, updated, with_nonce):
        ours = ContentSecurityPolicyMiddleware(page)(rf.get("/"))
        theirs = CSPMiddleware(page)(rf.get("/"))
        assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"], page
    updated_policy = ContentSecurityPolicyMiddleware(updated)(rf.get("/"))
    assert "https://img.example.org" in updated_policy["Content-Security-Policy"]


def test_signed_in_answers_say_never_cache_as_django_does(client, django_user_model):
    from django.http import HttpResponse
    from django.utils.cache import add_never_cache_headers

    person = django_user_model.objects.create_user("cache.person@example.org")
    client.force_login(person)
    response = client.get("/api/v1/me/")
    expected = HttpResponse()
    add_never_cache_headers(expected)

    assert response["Cache-Control"] == expected["Cache-Control"]
    assert response["Expires"]
