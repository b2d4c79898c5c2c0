"""Browser tests: Playwright (sync API) driving Debian's Chromium against the live server.

They skip with a reason when Chromium, axe-core or the compiled stylesheet is missing, except in
CI (CI=true), where a missing piece is a failure: .ci/run installs Chromium and `make test`
builds the stylesheet.
"""

import os

import pytest

from tests.browser import CHROMIUM, launch_chromium, require
from tests.e2e.helpers import AXE, ROOT

STYLESHEET = ROOT / "static_build" / "application.css"

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


# Package scope: Playwright's sync API allows one running instance per thread, and other browser
# tests (tests/backoffice/test_register_browser.py) start their own once these have finished.
@pytest.fixture(scope="package")
def browser():
    require(_missing())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, settings):
    """The live server's address; links in emails and pages point at it."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (each its own cookies), closed after the test."""
    contexts = []

    def open_page(
        *, javascript: bool = True, width: int = 1024, height: int = 768, bypass_csp: bool = True
    ):
        context = browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            bypass_csp=bypass_csp,  # lets the tests inject axe-core whatever the site's policy
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
