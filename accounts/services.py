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


# last_used_at is recorded at most this often, so a busy client does not write on every request.
LAST_USED_RESOLUTION = timedelta(hours=1)


def user_for_api_token(raw: str) -> User | None:
    """Return the active user owning an unexpired, unrevoked token, or None.

    Records when the token was last used, to the nearest ``LAST_USED_RESOLUTION``.
    """
    now = timezone.now()
    token = (
        ApiToken.objects.active(now)
        .select_related("user")
        .filter(key_hash=hash_token(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def renew_feed_token(user: User) -> str:
    """Replace the user's calendar feed secret; the old feed URLs stop working (404)."""
    user.feed_token = new_secret()
    user.save(update_fields=["feed_token"])
    return user.feed_token
