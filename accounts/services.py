from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token, new_secret


def issue_api_token(user: User, *, name: str = "", ttl: timedelta | None = None) -> str:
    """Create an API token for the user and return the raw secret (shown once, stored hashed)."""
    raw = new_secret()
    ttl = settings.API_TOKEN_TTL if ttl is None else ttl
    ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        name=name,
        expires_at=timezone.now() + ttl if ttl else None,
    )
    return raw


def user_for_api_token(raw: str) -> User | None:
    """Return the active user owning an unexpired, unrevoked token, or None."""
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=hash_token(raw), user__is_active=True)
        .first()
    )
    return token.user if token else None


def renew_feed_token(user: User) -> str:
    """Replace the user's calendar feed secret; the old feed URLs stop working (404)."""
    user.feed_token = new_secret()
    user.save(update_fields=["feed_token"])
    return user.feed_token
