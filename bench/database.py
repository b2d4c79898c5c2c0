"""Create the benchmark database and fill it; the Django parts run after ``django.setup()``."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql


def connect_kwargs(database_url: str, dbname: str | None = None) -> dict:
    url = urlsplit(database_url)
    kwargs = {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": unquote(url.username or "postgres"),
        "dbname": dbname or url.path.lstrip("/"),
        "connect_timeout": 10,
    }
    if url.password:
        kwargs["password"] = unquote(url.password)
    return kwargs


def recreate_database(database_url: str) -> None:
    """Drop (if present) and create the database named in the URL, via the server's postgres DB."""
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(**connect_kwargs(database_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(**connect_kwargs(database_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass(frozen=True)
class Person:
    id: int
    token: str


@dataclass(frozen=True)
class Catalogue:
    published_event_ids: list[int]
    hidden_event_id: int
    venue_id: int


def create_catalogue(*, events: int = 100):
    """A published programme with ``events`` courses (two themes each, one venue for all
    sessions), and a hidden programme for pgbench's sessions."""
    from events.models import Event, Programme, Theme, Venue

    programme = Programme.objects.create(
        slug="bench-programme", title="Benchmark programme", published=True
    )
    hidden = Programme.objects.create(
        slug="bench-pgbench", title="pgbench sessions (not published)", published=False
    )
    published = Event.objects.bulk_create(
        Event(slug=f"bench-course-{n}", title=f"Benchmark course {n}", programme=programme)
        for n in range(1, events + 1)
    )
    hidden_event = Event.objects.create(
        slug="bench-pgbench-course", title="pgbench course", programme=hidden
    )
    themes = Theme.objects.bulk_create(
        Theme(slug=f"bench-theme-{n}", title=f"Benchmark theme {n}") for n in range(1, 5)
    )
    Event.themes.through.objects.bulk_create(
        Event.themes.through(event_id=event.pk, theme_id=themes[(n + step) % 4].pk)
        for n, event in enumerate(published)
        for step in (0, 1)
    )
    venue = Venue.objects.create(
        name="County Hall", address="Aykley Heads\nDurham", postcode="DH1 5UL"
    )
    return Catalogue([event.pk for event in published], hidden_event.pk, venue.pk)


def create_sessions(
    event_ids: list[int], count: int, *, capacity: int, venue_id: int | None = None
) -> list[int]:
    """Bulk-create ``count`` bookable sessions spread over the events, from next week on."""
    from django.utils import timezone

    from events.models import Session

    start = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    sessions = []
    for n in range(count):
        starts_at = start + timedelta(hours=n)
        sessions.append(
            Session(
                event_id=event_ids[n % len(event_ids)],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2, minutes=30),
                capacity=capacity,
                waitlist_enabled=True,
                venue_id=venue_id,
            )
        )
    return [session.pk for session in Session.objects.bulk_create(sessions, batch_size=1000)]


def create_people(count: int, *, batch_size: int = 5000) -> list[Person]:
    """Bulk-create ``count`` people, each with one API token.

    This is ``accounts.services.issue_api_token`` in bulk: the same secret generator and hash,
    written in batches instead of one INSERT per person. The tokens count as used a moment ago,
    as a client's token is in steady use; otherwise each person's single request would also
    pay the token's once-an-hour ``last_used_at`` write.
    """
    from django.conf import settings
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ApiToken, User, hash_token, new_secret

    now = timezone.now()
    expires_at = now + settings.API_TOKEN_TTL
    people: list[Person] = []
    with transaction.atomic():
        for first in range(0, count, batch_size):
            numbers = range(first, min(first + batch_size, count))
            users = User.objects.bulk_create(
                User(
                    email=f"bench.person{n}@example.org",
                    full_name=f"Bench Person {n}",
                    password=UNUSABLE_PASSWORD_PREFIX + "bench",  # cheaper than hashing
                )
                for n in numbers
            )
            raws = [new_secret() for _ in users]
            ApiToken.objects.bulk_create(
                ApiToken(
                    user_id=user.pk,
                    key_hash=hash_token(raw),
                    prefix=raw[:8],
                    name="bench",
                    expires_at=expires_at,
                    last_used_at=now,
                )
                for user, raw in zip(users, raws, strict=True)
            )
            people.extend(Person(user.pk, raw) for user, raw in zip(users, raws, strict=True))
    return people


def create_plain_people(count: int, *, batch_size: int = 10000) -> list[int]:
    """Bulk-create ``count`` people without tokens (pgbench books them; HTTP never does)."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import transaction

    from accounts.models import User

    ids: list[int] = []
    with transaction.atomic():
        for first in range(0, count, batch_size):
            users = User.objects.bulk_create(
                User(
                    email=f"bench.pgbench{n}@example.org",
                    full_name=f"Bench pgbench {n}",
                    password=UNUSABLE_PASSWORD_PREFIX + "bench",
                )
                for n in range(first, min(first + batch_size, count))
            )
            ids.extend(user.pk for user in users)
    return ids
