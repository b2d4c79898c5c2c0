"""Who may export or erase a person's data: the person themself, or a coordinator."""

import rules

from accounts.rules import is_coordinator


@rules.predicate
def is_self(user, person) -> bool:
    return bool(user and user.is_authenticated and user.pk == person.pk)


may_manage_personal_data = is_self | is_coordinator
