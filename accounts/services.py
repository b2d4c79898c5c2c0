import functools
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import ApiToken, Organisation, User, hash_token, new_secret
from accounts.roles import access_of, make_coordinator, remove_coordinator
from audit.services import record
from common.errors import InvalidValue
from common.sql import PreparedQuery


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

    Records when the token was last used, to the nearest ``LAST_USED_RESOLUTION``. On
    PostgreSQL that write rides in the lookup's own statement (``_touch_sql``), so a token's first
    request (and its first each hour) costs one statement like any other, not a second
    statement with a commit of its own; elsewhere it is an UPDATE after the lookup.
    """
    now = timezone.now()
    key_hash = hash_token(raw)
    stale = now - LAST_USED_RESOLUTION
    touch = _touch_sql(connection.vendor)
    if touch:
        user = _TOKEN_OWNER.first(key_hash, before=(touch, [now, key_hash, now, stale]))
    else:
        user = _TOKEN_OWNER.first(key_hash)
    if user is None:
        return None
    token = ApiToken(
        pk=user.token_pk,
        user=user,
        expires_at=user.token_expires_at,
        revoked_at=user.token_revoked_at,
        last_used_at=user.token_last_used_at,
    )
    if not (token.is_active(now) and user.is_active):
        return None
    if not touch and (token.last_used_at is None or token.last_used_at <= stale):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@functools.cache
def _touch_sql(vendor: str) -> str:
    """``WITH touched AS (UPDATE ...) `` recording a token's use, ahead of the lookup; "" where
    a statement cannot hold a write (SQLite). It writes only what the code above would: an
    accepted token (``ApiToken.is_active`` and an active owner, said again in SQL; a test
    holds the two equal) not recorded within ``LAST_USED_RESOLUTION``."""
    if vendor != "postgresql":
        return ""
    token, owner = ApiToken._meta, User._meta
    q = connection.ops.quote_name
    table, users = q(token.db_table), q(owner.db_table)
    # The models' own table names, quoted; every value is a parameter.
    return (
        f"WITH touched AS (UPDATE {table} SET last_used_at = %s "  # noqa: S608
        "WHERE key_hash = %s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s) "
        "AND (last_used_at IS NULL OR last_used_at <= %s) "
        f"AND user_id IN (SELECT {q(owner.pk.column)} FROM {users} WHERE is_active)) "
    )


# Every API request runs this, so it is built once (common.sql): the owner of the token with
# the given hash, and the token's own fields that decide whether it still works.
_TOKEN_OWNER = PreparedQuery(
    lambda: User.objects.filter(api_tokens__key_hash="").annotate(
        token_pk=F("api_tokens__pk"),
        token_expires_at=F("api_tokens__expires_at"),
        token_revoked_at=F("api_tokens__revoked_at"),
        token_last_used_at=F("api_tokens__last_used_at"),
    )
)


def renew_feed_token(user: User) -> str:
    """Replace the user's calendar feed secret; the old feed URLs stop working (404)."""
    user.feed_token = new_secret()
    user.save(update_fields=["feed_token"])
    return user.feed_token


def user_for_sign_in(email: str) -> User | None:
    """Return the account a sign-in link for this address should go to, creating it if new.

    Anyone may sign up by asking for a link; the account stays unverified (and is removed by
    retention if never used) until the link is followed. Returns None for a deactivated or
    anonymised account, which gets no link — the caller answers exactly as if it had sent one.
    """
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email)
    if not user.is_active or user.anonymised_at is not None:
        return None
    return user


def user_who_may_sign_in(user_id: int) -> User | None:
    """The active, not anonymised account with this id, or None."""
    return User.objects.filter(pk=user_id, is_active=True, anonymised_at__isnull=True).first()


def spend_sign_in_link(user: User, *, now=None) -> bool:
    """Use up the person's current sign-in links; False if another request already did.

    A django-sesame one-time token is bound to ``last_login``. Moving ``last_login`` on with one
    conditional UPDATE (only if it is still the value the token was checked against) lets
    exactly one of any number of simultaneous requests with the same link through.
    """
    now = now or timezone.now()
    spent = User.objects.filter(pk=user.pk, is_active=True)
    if user.last_login is None:
        spent = spent.filter(last_login__isnull=True)
    else:
        spent = spent.filter(last_login=user.last_login)
    if not spent.update(last_login=now):
        return False
    user.last_login = now
    return True


def record_sign_in(user: User, *, now=None) -> None:
    """Note that the person proved they own their address by following a link."""
    if user.verified_at is None:
        user.verified_at = now or timezone.now()
        user.save(update_fields=["verified_at"])


def update_profile(
    user: User, *, full_name: str, job_title: str, organisation_name: str, sector: str
) -> User:
    """Save the person's name, job and employer; an organisation new to us is created."""
    organisation_name = " ".join(organisation_name.split())
    organisation = Organisation.objects.filter(name__iexact=organisation_name).first()
    if organisation is None:
        organisation = Organisation.objects.create(name=organisation_name, sector=sector)
    user.full_name = " ".join(full_name.split())
    user.job_title = " ".join(job_title.split())
    user.organisation = organisation
    user.save(update_fields=["full_name", "job_title", "organisation"])
    return user


def needs_profile(user: User) -> bool:
    """Whether the person still has to tell us who they are (first sign-in)."""
    return not (user.full_name and user.job_title and user.organisation_id)


def set_coordinator(user: User, *, coordinator: bool, by: User | None) -> bool:
    """Give or take the coordinator role; the change (if any) is audited. Returns whether the
    role changed. This is the only role a coordinator may grant (backoffice/admin)."""
    before = access_of(user)
    if coordinator:
        make_coordinator(user)
    else:
        remove_coordinator(user)
    return record_access_change(user, before=before, by=by)


def record_access_change(user: User, *, before: dict, by: User | None) -> bool:
    """Audit a change of a person's roles (staff, superuser, groups, permissions), if any."""
    after = access_of(user)
    if after == before:
        return False
    record("accounts.role_changed", actor=by, target=user, before=before, after=after)
    return True


def invite_person(email: str, *, full_name: str = "", by) -> User:
    """The account for this address, created (unverified) when the person is new to us.

    A coordinator uses this to book someone in on their behalf; the person hears about the
    booking by email and signs in with a link as anyone does. A deactivated or anonymised
    account cannot be booked in.
    """
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, full_name=" ".join(full_name.split()))
        record("user.invited", actor=by, target=user)
    if not user.is_active or user.anonymised_at is not None:
        raise InvalidValue("This account is closed, so it cannot be booked in.")
    return user


def set_external_trainer(user: User, *, external: bool, by) -> User:
    """Mark a trainer as commissioned from outside the partnership (or not)."""
    if user.external_trainer != external:
        user.external_trainer = external
        user.save(update_fields=["external_trainer"])
        record("user.external_trainer_set", actor=by, target=user, external=external)
    return user


def record_new_account_with_access(sender, instance: User, created: bool, raw: bool, **kwargs):
    """post_save: an account created with staff or superuser status (``createsuperuser``, a
    script) is a role change too; it is audited with no actor."""
    if created and not raw and (instance.is_staff or instance.is_superuser):
        record_access_change(instance, before=access_of(User()), by=None)
