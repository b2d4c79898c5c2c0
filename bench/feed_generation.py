"""Time building a 1,000-session calendar feed: cold, from the cache, and as a 304.

Runs against a throw-away test database made from ``DATABASE_URL`` (PostgreSQL for ``make
bench``; SQLite works too) and prints one line per measurement plus a JSON summary.
Usage: ``python -m bench.feed_generation [SESSIONS]``.
"""

import json
import os
import statistics
import sys
import time
from datetime import timedelta


def median_seconds(action, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def create_sessions(count: int):
    from django.utils import timezone

    from accounts.models import User
    from booking.models import Booking
    from events.models import Event, Programme, Session, Theme, Venue

    programme = Programme.objects.create(slug="bench", title="Bench programme", published=True)
    themes = [Theme.objects.create(slug=f"bench-{n}", title=f"Theme {n}") for n in range(4)]
    events = []
    for n in range(10):
        event = Event.objects.create(
            slug=f"bench-event-{n}",
            title=f"Safeguarding course {n}",
            summary="A multi-agency course.",
            programme=programme,
        )
        event.themes.add(themes[n % 4], themes[(n + 1) % 4])
        events.append(event)
    venue = Venue.objects.create(name="County Hall", address="Aykley Heads\nDurham")
    start = timezone.now() + timedelta(days=1)
    sessions = Session.objects.bulk_create(
        Session(
            event=events[n % 10],
            venue=venue,
            starts_at=start + timedelta(hours=6 * n),
            ends_at=start + timedelta(hours=6 * n + 2),
            capacity=30,
        )
        for n in range(count)
    )
    person = User.objects.create_user("bench.person@example.org", full_name="Bench Person")
    Booking.objects.bulk_create(
        Booking(session=s, person=person, status="confirmed", created_at=timezone.now())
        for s in sessions
    )
    Session.trainers.through.objects.bulk_create(
        Session.trainers.through(session=s, user=person) for s in sessions
    )
    return person


def measure(count: int) -> dict:
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from events import calendar, queries

    person = create_sessions(count)
    client = Client()
    now = timezone.now()
    sessions = queries.public_feed_sessions(now=now)
    feeds = {
        "sessions": "/calendar/sessions.ics",
        "personal": f"/calendar/me/{person.feed_token}.ics",
        "trainer": f"/calendar/trainer/{person.feed_token}.ics",
    }
    results = {
        "session_count": count,
        "build_seconds": median_seconds(
            lambda: calendar.sessions_feed(
                queries.sessions_for_calendar(sessions), name="Bench", now=now
            ),
            repeat=3,
        ),
        "validators_seconds": median_seconds(
            lambda: queries.sessions_state(sessions, kind="bench", now=now), repeat=20
        ),
    }
    for name, url in feeds.items():

        def cold(url=url):
            cache.clear()
            return client.get(url)

        response = cold()
        etag = response["ETag"]
        results[name] = {
            "bytes": len(response.content),
            "cold_seconds": median_seconds(cold, repeat=3),
            "cached_seconds": median_seconds(lambda url=url: client.get(url), repeat=20),
            "not_modified_seconds": median_seconds(
                lambda url=url, etag=etag: client.get(url, headers={"If-None-Match": etag}),
                repeat=20,
            ),
        }
    return results


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convene.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = measure(count)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"calendar feed of {count} sessions ({connection.vendor})")
    print(f"  build with icalendar   {results['build_seconds'] * 1000:8.1f} ms")
    print(f"  validators (1 query)   {results['validators_seconds'] * 1000:8.1f} ms")
    for name in ("sessions", "personal", "trainer"):
        row = results[name]
        print(
            f"  GET {name:<9} cold {row['cold_seconds'] * 1000:8.1f} ms   "
            f"cached {row['cached_seconds'] * 1000:6.1f} ms   "
            f"304 {row['not_modified_seconds'] * 1000:6.1f} ms   {row['bytes'] // 1024} KiB"
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
