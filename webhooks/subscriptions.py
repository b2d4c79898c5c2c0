"""Which event types some active endpoint wants, kept in the cache so that a change nobody
listens for costs no query."""

from django.core.cache import cache

from webhooks.models import Endpoint

SUBSCRIBED_CACHE_KEY = "webhooks:subscribed-types:v1"
# With a per-process cache (the local default) another process sees a new endpoint after
# this long at the latest; with a shared cache (Redis) at once.
SUBSCRIBED_CACHE_SECONDS = 30


def subscribed_types() -> frozenset[str]:
    """The event types some active endpoint wants (cached; no query on a hit)."""
    types = cache.get(SUBSCRIBED_CACHE_KEY)
    if types is None:
        types = sorted(
            {
                event
                for events in Endpoint.objects.active().values_list("events", flat=True)
                for event in events
            }
        )
        cache.set(SUBSCRIBED_CACHE_KEY, types, SUBSCRIBED_CACHE_SECONDS)
    return frozenset(types)


def forget_subscriptions() -> None:
    cache.delete(SUBSCRIBED_CACHE_KEY)


def wants(event_type: str) -> bool:
    """Whether ``emit(event_type, ...)`` would write anything: callers use it to skip building
    the data (which costs queries) when nobody listens."""
    return event_type in subscribed_types()
