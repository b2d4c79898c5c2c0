"""Who may see which part of the catalogue."""

import rules


@rules.predicate
def is_trainer_of(user, session) -> bool:
    """Whether the user is one of the session's trainers.

    Reads ``viewer_is_trainer`` when the query annotated it (``events.queries.trainer_flag``),
    so a list of sessions asks once, in SQL; else asks the database.
    """
    if not (user and user.is_authenticated):
        return False
    known = getattr(session, "viewer_is_trainer", None)
    if known is not None:
        return bool(known)
    return session.trainers.filter(pk=user.pk).exists()
