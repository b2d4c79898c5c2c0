import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**environ) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS"}
    }
    env.update(environ, DJANGO_SETTINGS_MODULE="convene.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, getattr(s, 'SECURE_SSL_REDIRECT', False), s.SESSION_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.TIME_ZONE, s.USE_TZ)"
    )
    return subprocess.run(  # noqa: S603 -- our own interpreter and fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_settings_refuse_a_public_site_with_the_default_secret_key():
    result = load_settings(SITE_URL="https://training.example.org")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_refuse_public_allowed_hosts_with_the_default_secret_key():
    result = load_settings(ALLOWED_HOSTS="*")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("site_url", ["https://training.example.org", "http://192.0.2.7:8000"])
def test_settings_refuse_debug_with_a_public_site_url(site_url):
    """A server others can reach never runs with DEBUG, whatever else is set."""
    result = load_settings(DEBUG="true", SECRET_KEY="x" * 60, SITE_URL=site_url)

    assert result.returncode != 0
    assert "DEBUG is on with a public SITE_URL" in result.stderr


def test_settings_local_default_needs_no_variables_and_debug_is_off():
    result = load_settings()

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "0", "Europe/London", "True"]


def test_settings_debug_is_allowed_on_a_loopback_site():
    result = load_settings(DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_make_run_switches_debug_on_for_the_local_demo():
    makefile = (ROOT / "Makefile").read_text()

    assert "run: export DEBUG ?= true" in makefile


def test_settings_https_site_url_switches_on_protections():
    result = load_settings(
        DEBUG="false", SECRET_KEY="x" * 60, SITE_URL="https://training.example.org"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "31536000", "Europe/London", "True"]


@pytest.mark.django_db
def test_sqlite_uses_immediate_transactions(settings):
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
    else:
        assert "transaction_mode" not in options
