"""Every form that changes something needs the CSRF token; a forged post is refused."""

import re
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>(.*?)</form>", re.I | re.S)


def templates_with_post_forms() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / "templates").rglob("*.html")
        if POST_FORM.search(path.read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize(
    "template", templates_with_post_forms() or [None], ids=lambda p: p.name if p else "none"
)
def test_every_post_form_in_our_templates_carries_the_token(template):
    if template is None:
        pytest.skip("no template has a POST form yet")
    for body in POST_FORM.findall(template.read_text(encoding="utf-8")):
        assert "{% csrf_token %}" in body, template


@pytest.mark.django_db
def test_forged_sign_in_post_is_refused(coordinator):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        "/admin/login/",
        {"username": coordinator.email, "password": "correct horse battery staple"},
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_sign_in_post_with_the_token_is_accepted(coordinator):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/admin/login/")

    response = browser.post(
        "/admin/login/",
        {
            "username": coordinator.email,
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )

    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(coordinator.pk)
