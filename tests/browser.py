"""How Convene's browser tests and screenshots start Debian's Chromium through Playwright."""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))

# Headless as root on a machine with no network: without the background-networking flags
# Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright):
    """Start Chromium from the system, never a browser that Playwright downloads."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def require(missing: list[str]) -> None:
    """Skip locally, fail in CI, when something a browser test needs is not installed."""
    if not missing:
        return
    import pytest

    reason = "browser tests need " + ", ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
