"""What an account is told: its sign-in link.

A sign-in link opens an account, so it is never stored readable: the outbox row holds the
link with a placeholder where the token goes, and the token is made by django-sesame only when
the worker sends the message (``fill_sign_in_token``, registered with the outbox in
``AccountsConfig.ready``). The outbox admin, the subject access export and a database backup
show the placeholder; a link made at sending time also starts its 15 minutes then.
"""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from sesame.utils import get_token

from common.text import one_line
from notifications.delivery import Undeliverable
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import Message, queue, render_message

# Stands for the token in the stored message; only URL-safe characters, so neither URL
# encoding nor HTML escaping changes it.
TOKEN_PLACEHOLDER = "SIGN-IN-TOKEN-ADDED-WHEN-SENT"  # noqa: S105 -- a marker, not a secret


class SignInLinkUnavailable(Undeliverable):
    """The account can no longer sign in (deactivated, erased): no link is made."""


def sign_in_link(*, next_url: str, token: str = TOKEN_PLACEHOLDER) -> str:
    """The link the email carries; by default with the placeholder instead of the token."""
    query = urlencode({"next": next_url})
    return f"{settings.SITE_URL}{reverse('accounts:sign_in_link')}?token={token}&{query}"


def send_sign_in_link(*, user, next_url: str) -> None:
    """Email a one-time sign-in link to the person (in the background, like every message)."""
    notification = Notification(
        kind=Kind.SIGN_IN_LINK,
        # Each request is its own message; the key carries no part of the link.
        dedupe_key=f"{Kind.SIGN_IN_LINK}:user-{user.pk}:{secrets.token_hex(16)}",
        recipient=user.email,
        recipient_name=user.full_name,
        user=user,
    )
    link = sign_in_link(next_url=next_url)
    queue([(notification, lambda: sign_in_content(user=user, link=link))])


def sign_in_content(*, user, link: str) -> Message:
    context = {
        "kind": Kind.SIGN_IN_LINK,
        "name": one_line(user.full_name) or "there",
        "link": link,
    }
    subject = f"Your sign-in link for {settings.SITE_NAME}"
    return render_message(Kind.SIGN_IN_LINK, context, subject=subject)


def fill_sign_in_token(notification: Notification) -> None:
    """Put a fresh token into the outgoing copy of a sign-in message (never saved)."""
    user = notification.user
    if user is None or not user.is_active or user.anonymised_at is not None:
        raise SignInLinkUnavailable("the account can no longer sign in")
    token = get_token(user)
    notification.body_text = notification.body_text.replace(TOKEN_PLACEHOLDER, token)
    notification.body_html = notification.body_html.replace(TOKEN_PLACEHOLDER, token)
