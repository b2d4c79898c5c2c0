"""Profile the booking request in-process: cProfile over N requests, SQL per request.

    .venv/bin/python -m bench.profile_booking [N]

Uses its own fresh database (BENCH_DATABASE_URL with ``_profile`` appended to the name), the
same settings as ``make bench`` (DEBUG off), and Django's test client, so the numbers are the
application's own work without gunicorn, the network or the load generator.
"""

import cProfile
import io
import os
import pstats
import sys
import time

from bench.config import BenchConfig
from bench.database import create_catalogue, create_people, create_sessions, recreate_database
from bench.run import BOOKING_PATH, server_environment


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    config = BenchConfig.from_env()
    config.check()
    database_url = config.database_url + "_profile"
    os.environ.update({**server_environment(config), "DATABASE_URL": database_url})
    recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", interactive=False, verbosity=0)
    people = create_people(count + 1)
    catalogue = create_catalogue(events=1)
    session_id = create_sessions(catalogue.published_event_ids, 1, capacity=100)[0]
    client = Client()
    path = BOOKING_PATH.format(id=session_id)

    def book(person):
        return client.post(
            path,
            data=b"{}",
            content_type="application/json",
            headers={"Authorization": f"Bearer {person.token}"},
        )

    with CaptureQueriesContext(connection) as captured:
        response = book(people[-1])
    print(f"one booking request: HTTP {response.status_code}, {len(captured)} SQL queries")
    for query in captured.captured_queries:
        print(f"  {query['time']:>6}s  {query['sql'][:150]}")

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for person in people[:count]:
        book(person)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\n{count} booking requests in-process: {elapsed / count * 1000:.2f} ms each")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(45)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
