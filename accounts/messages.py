"""What an account is told: its sign-in link."""

import hashlib

from django.conf import settings

from common.text import one_line
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import Message, queue, render_message


def send_sign_in_link(*, user, link: str) -> None:
    """Email a one-time sign-in link to the person (in the background, like every message)."""
    digest = hashlib.sha256(link.encode()).hexdigest()[:32]
    notification = Notification(
        kind=Kind.SIGN_IN_LINK,
        dedupe_key=f"{Kind.SIGN_IN_LINK}:user-{user.pk}:{digest}",
        recipient=user.email,
        recipient_name=user.full_name,
        user=user,
    )
    queue([(notification, lambda: sign_in_content(user=user, link=link))])


def sign_in_content(*, user, link: str) -> Message:
    context = {
        "kind": Kind.SIGN_IN_LINK,
        "name": one_line(user.full_name) or "there",
        "link": link,
    }
    subject = f"Your sign-in link for {settings.SITE_NAME}"
    return render_message(Kind.SIGN_IN_LINK, context, subject=subject)
