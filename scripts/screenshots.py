"""Take screenshots of the main pages from the demo running in a real server.

`make screenshots` runs this: a fresh SQLite database under var/, the demo data, `runserver` on
a spare loopback port, then Chromium (Playwright) signs in by the emailed link exactly as a
person would and saves PNGs to docs/screenshots/. Needs Chromium (CHROMIUM=/path to choose).
"""

import email
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser import launch_chromium  # noqa: E402 -- needs ROOT on the path first

OUT = ROOT / "docs" / "screenshots"
VAR = ROOT / "var"
PRACTITIONER = "jordan.lee@example.org"  # new to the demo: shows the first sign-in
COORDINATOR = "helen.marsh@example.org"
TRAINER = "amara.okafor@example.com"
DEMO_PRACTITIONER = "alex.morgan@example.org"  # has last term's training record


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2):  # noqa: S310 -- our own loopback server
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not start")


def latest_sign_in_link(mail_dir: Path) -> str:
    newest = max(mail_dir.glob("*.eml"), key=lambda path: path.stat().st_mtime)
    message = email.message_from_bytes(newest.read_bytes())
    parts = message.walk() if message.is_multipart() else [message]
    text = "".join(
        part.get_payload(decode=True).decode()
        for part in parts
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"https?://\S+/sign-in/link/\S+", text).group(0)


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = VAR / "screenshots.sqlite3"
    mail_dir = VAR / "screenshots-mail"
    for path in [database, *VAR.glob("screenshots.sqlite3-*"), *mail_dir.glob("*.eml")]:
        path.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SITE_URL": base,
        "DEBUG": "true",
        "EMAIL_BACKEND": "notifications.backends.EmlFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        # No worker runs beside this server: send each queued email at once.
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }
    env.pop("EMAIL_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)  # noqa: S603
    subprocess.run([*manage, "load_demo"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    server = subprocess.Popen(  # noqa: S603
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(base + "/")
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            capture(browser, base, mail_dir)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"Screenshots written to {OUT.relative_to(ROOT)}/")


def capture(browser, base: str, mail_dir: Path) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 768})

    def shot(name: str, **options) -> None:
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True, **options)

    page.goto(base + "/")
    shot("home")
    page.goto(base + "/sessions/?programme=safeguarding-awareness-week-2021")
    shot("sessions")
    page.get_by_role("link", name=re.compile("Spotting cumulative harm")).first.click()
    shot("session")
    page.get_by_role("link", name="Sign in to book a place").click()
    page.get_by_label("Email address").fill(PRACTITIONER)
    shot("sign-in")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.goto(latest_sign_in_link(mail_dir))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Full name").fill("Jordan Lee")
    page.get_by_label("Job title").fill("Health Visitor")
    page.get_by_label("Organisation").fill("Example NHS Foundation Trust")
    page.get_by_label("Health").check()
    shot("your-details")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Book a place").click()
    shot("booked")
    page.goto(base + "/sessions/?programme=safeguarding-awareness-week-2021")
    page.get_by_role("link", name=re.compile("Hearing the voice of the child")).first.click()
    shot("session-full")
    page.get_by_role("button", name="Join the waitlist").click()
    page.goto(base + "/bookings/")
    shot("my-bookings")
    page.goto(base + "/account/")
    shot("account")
    page.close()

    phone = browser.new_page(viewport={"width": 320, "height": 640})
    phone.goto(base + "/sessions/")
    phone.screenshot(path=str(OUT / "sessions-320px.png"), full_page=False)
    phone.close()

    capture_manage(browser, base, mail_dir)
    capture_after_the_session(browser, base, mail_dir)


def sign_in_as(page, base: str, mail_dir: Path, email_address: str) -> None:
    page.goto(base + "/sign-in/")
    page.get_by_label("Email address").fill(email_address)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.goto(latest_sign_in_link(mail_dir))
    page.get_by_role("button", name="Continue").click()


def capture_manage(browser, base: str, mail_dir: Path) -> None:
    """The coordinators' Manage area: the sessions, a full session, a move's preview."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)

    sign_in_as(page, base, mail_dir, COORDINATOR)
    page.get_by_role("link", name=re.compile("^Manage")).first.click()
    shot("manage-sessions")
    page.get_by_role("link", name=re.compile("Hearing the voice of the child")).first.click()
    shot("manage-session")
    page.get_by_role("link", name="Book someone in").click()
    page.get_by_label("Email address").fill("sam.patel@example.org")
    shot("manage-book-someone-in")
    page.go_back()
    page.get_by_role("link", name="Change or move the session").click()
    group = page.get_by_role("group", name="Starts", exact=True)
    group.get_by_label("Time").fill("13:00")
    page.get_by_role("group", name="Ends", exact=True).get_by_label("Time").fill("15:30")
    shot("manage-change")
    page.get_by_role("button", name="Continue").click()
    shot("manage-change-preview")
    context.close()

    phone = browser.new_context(viewport={"width": 320, "height": 640})
    page = phone.new_page()
    sign_in_as(page, base, mail_dir, COORDINATOR)
    page.goto(base + "/manage/")
    page.get_by_role("link", name=re.compile("Hearing the voice of the child")).first.click()
    page.screenshot(path=str(OUT / "manage-session-320px.png"), full_page=False)
    phone.close()


def capture_after_the_session(browser, base: str, mail_dir: Path) -> None:
    """Check-in on the register and on a phone, the evaluation, the training record, the
    evaluation figures in the report and the refreshers list (docs/after-the-session.md)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)

    sign_in_as(page, base, mail_dir, TRAINER)
    page.goto(base + "/trainer/")
    page.get_by_role("link", name=re.compile(": register$")).first.click()
    shot("register-check-in")
    check_in_url = page.locator("a[href*='/check-in/?code=']").first.get_attribute("href")
    context.close()

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    sign_in_as(page, base, mail_dir, DEMO_PRACTITIONER)
    page.goto(check_in_url)
    page.screenshot(path=str(OUT / "check-in-phone.png"), full_page=False)
    context.close()

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    sign_in_as(page, base, mail_dir, DEMO_PRACTITIONER)
    page.goto(base + "/account/training-record/")
    shot("training-record")
    page.get_by_role("link", name=re.compile("^Evaluate the session")).first.click()
    shot("evaluation")
    context.close()

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    sign_in_as(page, base, mail_dir, COORDINATOR)
    page.goto(base + "/reports/")
    page.locator("#evaluation").scroll_into_view_if_needed()
    page.screenshot(path=str(OUT / "report-evaluation.png"), full_page=False)
    page.goto(base + "/reports/refreshers/")
    shot("refreshers")
    context.close()


if __name__ == "__main__":
    main()
