"""Browser tests: Playwright (sync API) driving Debian's Chromium against the live server.

They skip with a reason when Chromium, axe-core or the compiled stylesheet is missing, except in
CI (CI=true), where a missing piece is a failure: .ci/run installs Chromium and `make test`
builds the stylesheet.
"""

import os
from pathlib import Path

import pytest

from tests.e2e.helpers import AXE, ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
STYLESHEET = ROOT / "static_build" / "application.css"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API keeps an event loop running in this thread; the test code that talks to
# the database here is ordinary synchronous code, so Django's async-safety check does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"axe-core at {AXE} (npm ci)")
    if not STYLESHEET.exists():
        missing.append(f"the compiled stylesheet {STYLESHEET} (make static)")
    return missing


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        reason = "browser tests need " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Send queued email (sign-in links) at once, so tests read it from mail.outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def site(live_server, settings):
    """The live server's address; links in emails and pages point at it."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (each its own cookies), closed after the test."""
    contexts = []

    def open_page(*, javascript: bool = True, width: int = 1024, height: int = 768):
        context = browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            bypass_csp=True,  # lets the tests inject axe-core whatever the site's policy
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
