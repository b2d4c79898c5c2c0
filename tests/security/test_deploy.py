"""Production settings, loaded in a fresh process as a deployment would load them."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The fewest variables a deployment sets (DEBUG is off and ALLOWED_HOSTS follows SITE_URL
# unless set); every one is documented in README.md (checked below).
PRODUCTION = {
    # 64 characters of varied text: what `check --deploy` accepts as a real key.
    "SECRET_KEY": "prod-7Qm2vX9kL4pT8wZ1nB6yR3cF5hJ0dS2aG7uE4iO9qW1xV6tY8rN3mK5jH0lP",
    "SITE_URL": "https://training.example.org",
    "DATABASE_URL": "postgres://convene@127.0.0.1:5432/convene",
}
# The scale-out variables (docs/scaling.md).
SCALE_OUT = {
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "TASKS_BACKEND": "django_tasks_rq.RQBackend",
    "RQ_URL": "redis://127.0.0.1:6379/0",
}
# Variables a test run may have set (Playwright sets DJANGO_ALLOW_ASYNC_UNSAFE) that a
# deployment would not.
SCRUBBED = {
    "LOG_FORMAT",
    "SECURE_HSTS_PRELOAD",
    "EMAIL_URL",
    "CACHE_URL",
    "TRUSTED_PROXY_COUNT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "ALLOWED_HOSTS",
    "TASKS_BACKEND",
    "RQ_URL",
}


def run_manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, *SCRUBBED}}
    return subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**keep, **environ},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("preload", "silenced", "scale_out"),
    [
        # W021 (no HSTS preload) is silenced on purpose: see settings.py.
        ("false", 1, False),
        ("true", 0, False),
        ("false", 1, True),
    ],
)
def test_check_deploy_with_production_settings_reports_nothing(preload, silenced, scale_out):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        **(SCALE_OUT if scale_out else {}),
        SECURE_HSTS_PRELOAD=preload,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"System check identified no issues ({silenced} silenced)."


def test_check_deploy_flags_a_plain_http_site():
    """Control case: the same check does see a deployment without the HTTPS protections."""
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "SITE_URL": "http://training.example.org"},
    )

    assert result.returncode == 1
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no SSL redirect
    assert "security.W012" in result.stderr  # session cookie not secure


def test_production_logs_are_json_lines():
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('booking').info('booking.created', "
        "extra={'booking_id': 7, 'session_id': 3, 'status': 'confirmed'})"
    )
    keep = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, *SCRUBBED}}
    result = subprocess.run(  # noqa: S603 -- our own interpreter and fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**keep, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "convene.settings"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert {k: line[k] for k in line if k != "time"} == {
        "level": "INFO",
        "logger": "booking",
        "message": "booking.created",
        "booking_id": 7,
        "session_id": 3,
        "status": "confirmed",
    }


def test_every_variable_a_deployment_sets_is_documented():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))

    assert {*PRODUCTION, *SCALE_OUT, "SECURE_HSTS_PRELOAD"} <= documented


def test_a_public_site_refuses_debug_at_startup():
    result = run_manage("check", **PRODUCTION, DEBUG="true")

    assert result.returncode != 0
    assert "DEBUG is on with a public SITE_URL" in result.stderr
