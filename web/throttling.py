"""A fixed-window counter in the cache, for limits on sign-in links."""

import hashlib
from datetime import timedelta

from django.core.cache import cache


def allow(scope: str, identity: str, *, limit: int, window: timedelta) -> bool:
    """Count one attempt for this identity; False once it has made `limit` in the window.

    The identity (an email address, an IP address) is hashed so the cache holds no personal
    data. Use a shared cache (CACHE_URL) when running several web processes.
    """
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"throttle:{scope}:{digest}"
    timeout = int(window.total_seconds())
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        count = 1
    return count <= limit
