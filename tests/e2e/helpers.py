"""Helpers for the browser tests."""

import re
from email.utils import parseaddr
from pathlib import Path

from django.core import mail
from sesame.utils import get_token

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def sign_in_link_from_outbox(to: str) -> str:
    """The sign-in link in the newest email to this address."""
    message = [m for m in mail.outbox if parseaddr(m.to[0])[1] == to][-1]
    return re.search(r"https?://\S+/sign-in/link/\S+", message.body).group(0)


def sign_in(page, site: str, user, next_url: str = "/bookings/") -> None:
    """Sign someone in through the real link page (the email step is tested in the journey)."""
    page.goto(f"{site}/sign-in/link/?token={get_token(user)}&next={next_url}")
    page.get_by_role("button", name="Continue").click()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page at the WCAG 2.2 A and AA tags; return the violations."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }""",
        AXE_TAGS,
    )


def has_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
