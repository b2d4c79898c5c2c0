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
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
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
    people = create_people(2 * count)
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

    from notifications.services import suppressed

    def one(person, label):
        with CaptureQueriesContext(connection) as captured:
            response = book(person)
        print(f"{label}: HTTP {response.status_code}, {len(captured)} SQL queries")
        for query in captured.captured_queries:
            print(f"  {query['sql'][:110]}")

    def timed(batch) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for person in batch:
            book(person)
        n = len(batch)
        return (time.perf_counter() - wall) / n * 1000, (time.process_time() - cpu) / n * 1000

    one(people[-1], "one booking request")
    with suppressed():
        one(people[-2], "\nthe same without queueing its notification")

    half = count // 2
    normal = timed(people[:half])
    with suppressed():
        quiet = timed(people[half : 2 * half])
    print(f"\nper request over {half} bookings (wall ms, CPU ms of this process):")
    print(f"  with the notification queued:   {normal[0]:7.2f} {normal[1]:7.2f}")
    print(f"  notification suppressed:        {quiet[0]:7.2f} {quiet[1]:7.2f}")

    profiler = cProfile.Profile()
    profiler.enable()
    for person in people[2 * half : 2 * half + half]:
        book(person)
    profiler.disable()
    out = io.StringIO()
    stats = (
        pstats.Stats(profiler, stream=out)
        .strip_dirs()
        .sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    )
    stats.print_stats(40)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
