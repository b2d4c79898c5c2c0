"""Profile the booking request in-process: cProfile over N requests, SQL per request.

    .venv/bin/python -m bench.profile_booking [N]

Uses its own fresh database (BENCH_DATABASE_URL with ``_profile`` appended to the name), the
same settings as ``make bench`` (DEBUG off), and calls Django's WSGI handler as gunicorn does, so
the numbers are the application's own work without gunicorn, the network or the load generator.
(Django's test client adds about 4% of its own: it connects and disconnects two signal
receivers around every request.)
"""

import cProfile
import io
import os
import pstats
import sys
import time
from wsgiref.util import setup_testing_defaults

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
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", interactive=False, verbosity=0)
    people = create_people(2 * count)
    catalogue = create_catalogue(events=1)
    session_id = create_sessions(catalogue.published_event_ids, 1, capacity=100)[0]
    handler = WSGIHandler()
    path = BOOKING_PATH.format(id=session_id)

    def book(person) -> int:
        """POST ``{}`` through the WSGI handler, as gunicorn would; the HTTP status."""
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "HTTP_AUTHORIZATION": f"Bearer {person.token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": "2",
            "wsgi.input": io.BytesIO(b"{}"),
        }
        setup_testing_defaults(environ)  # the rest of a WSGI environ, host 127.0.0.1
        statuses = []
        response = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(response)
        response.close()
        return int(statuses[0].split()[0])

    from notifications.services import suppressed

    def one(person, label):
        with CaptureQueriesContext(connection) as captured:
            status = book(person)
        print(f"{label}: HTTP {status}, {len(captured)} SQL queries")
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

    # CPU time, not wall time: on a shared machine waiting for a CPU is nobody's cost.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for person in people[2 * half : 2 * half + half]:
        book(person)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    print(budget(stats, requests=half, real_cpu_ms=normal[1]))
    out = io.StringIO()
    stats.stream = out
    stats.strip_dirs().sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
    print(out.getvalue())
    return 0


# The parts of a booking request, each the cumulative CPU of the function that does it (file
# suffix, function name); "the rest" is what the handler spends outside all of them.
PARTS = [
    ("authentication (token lookup)", "rest_framework/views.py", "perform_authentication"),
    ("throttling (3 rate limits)", "rest_framework/views.py", "check_throttles"),
    ("content negotiation", "rest_framework/views.py", "perform_content_negotiation"),
    ("parsing the JSON body", "rest_framework/request.py", "data"),
    ("validating it (serializer)", "rest_framework/serializers.py", "is_valid"),
    ("booking: lock and read", "booking/services.py", "booking_state"),
    ("booking: the INSERT", "common/sql.py", "insert_together"),
    ("booking: the message task row", "booking/tasks.py", "later_rows"),
    ("booking: announcing the task", "common/tasks.py", "enqueued"),
    ("the 201 body and rendering", "rest_framework/response.py", "rendered_content"),
    ("the 201 body and rendering", "api/serializers.py", "booking_created"),
    ("URL resolving", "django/core/handlers/base.py", "resolve_request"),
    ("middleware: CSP header", "convene/middleware.py", "process_response"),
]
HANDLER = ("django/core/handlers/base.py", "get_response")
BOOKING = ("booking/services.py", "book_session")


def budget(stats, *, requests: int, real_cpu_ms: float) -> str:
    """CPU per booking request, per part: the profile's shares of the unprofiled CPU time."""

    def cumulative(path: str, name: str) -> float:
        return sum(
            row[3]
            for (file, _, function), row in stats.stats.items()
            if function == name and file.endswith(path)
        )

    total = cumulative(*HANDLER)
    rows, seen = {}, 0.0
    for label, path, name in PARTS:
        rows[label] = rows.get(label, 0.0) + cumulative(path, name)
    booking_rest = cumulative(*BOOKING) - sum(
        rows[label] for label in rows if label.startswith("booking:")
    )
    rows["booking: the rules, the model, the transaction"] = booking_rest
    seen = sum(rows.values())
    rows["Django's handler, other middleware, DRF's dispatch"] = total - seen
    lines = [
        f"CPU budget per booking request (in-process, {requests} requests; the profile's shares "
        f"of the {real_cpu_ms:.2f} ms measured without it):"
    ]
    for label, seconds in rows.items():
        share = seconds / total if total else 0.0
        lines.append(f"  {label:<48} {share * real_cpu_ms:6.3f} ms  {share:6.1%}")
    lines.append(f"  {'total (without the WSGI server)':<48} {real_cpu_ms:6.3f} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
