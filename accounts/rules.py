"""Who someone is: predicates every surface asks (``rules``, as pretalx uses it)."""

import rules


@rules.predicate
def is_coordinator(user) -> bool:
    """Coordinators (and superusers) manage everything."""
    return bool(user and user.is_authenticated and user.is_coordinator)
