"""``make bench``: Convene's booking, feed and list throughput against PostgreSQL's own limit.

One run, one machine: a fresh database, gunicorn on a free loopback port, a bounded load generator
(wrk for the bookings when it is installed, else aiohttp), then pgbench replaying the booking
transaction at the same client counts. Prints a compact table, writes JSON under bench/results/,
and exits non-zero on overbooking.
See docs/performance.md for how to read it and how to point it at another PostgreSQL server.
"""

import json
import os
import platform
import secrets
import signal
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime

import aiohttp

from bench import minimal, report
from bench.config import BASE_DIR, RESULTS_DIR, BenchConfig
from bench.database import (
    create_catalogue,
    create_people,
    create_plain_people,
    create_sessions,
    recreate_database,
)
from bench.load import Request, run_phase
from bench.pgbench import (
    PROTOCOL,
    capture_booking_sql,
    find_pgbench,
    run_pgbench,
    script_from_sql,
)
from bench.server import Gunicorn, postgres_cpu
from bench.wrk import find_wrk, run_bookings, wrk_version

BOOKING_PATH = "/api/v1/sessions/{id}/bookings/"
FEED_PATH = "/calendar/sessions.ics"
LIST_PATH = "/api/v1/sessions/"


def server_environment(config: BenchConfig) -> dict:
    """What Convene runs with: production-like (DEBUG off), throttles out of the way."""
    return {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "convene.settings"),
        "DATABASE_URL": config.database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "THROTTLE_ANON": "1000000/second",
        "THROTTLE_USER": "1000000/second",
        "THROTTLE_BOOKING": "1000000/second",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    config = BenchConfig.from_env()
    config.check()
    pgbench = find_pgbench()
    wrk = booking_load(config)
    RESULTS_DIR.mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    # Also when started in the background, where a shell hands SIGINT down as ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    results: dict = {
        "started_at": stamp,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(n, 2) for n in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "config": {
            "database": config.database_name,
            "clients": list(config.clients),
            "duration_s": config.duration,
            "gunicorn_workers": config.workers,
            "gunicorn_threads": config.threads,
            "people": config.people,
            "spread_sessions": config.spread_sessions,
            "capacity": config.capacity,
            "keepalive_s": config.keepalive,
            "pgbench_protocol": {"own_sql": PROTOCOL, "minimal_job": config.minimal_protocol},
            "load_generator": load_generator(wrk),
        },
    }
    env = server_environment(config)
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    server = None
    try:
        step("fresh database", config.database_name)
        recreate_database(config.database_url)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        data = seed(config, results)
        booking = results["queries"]["small"]["booking"]
        if booking["status"] != 201:
            print(
                f"A test booking through {BOOKING_PATH} answered {booking['status']}, not 201: "
                "is the REST API (api/) in this checkout?",
                file=sys.stderr,
            )
            return 1
        results["pgbench_script"] = data["script"]
        step("minimal job", "its own schema: session, booking (session, status), outbox")
        data["minimal"] = minimal.create(
            config.database_url,
            hot_levels=len(config.clients),
            spread_sessions=config.spread_sessions,
            capacity=config.capacity,
        )
        results["minimal_job_script"] = minimal.SCRIPT
        from django.db import connections

        connections.close_all()

        server = Gunicorn(
            env=dict(os.environ),
            workers=config.workers,
            threads=config.threads,
            keepalive=config.keepalive,
            log_path=RESULTS_DIR / f"gunicorn-{stamp}.log",
        )
        step("gunicorn", f"{config.workers} workers x {config.threads} threads on {server.url}")
        server.start()
        server.wait_ready(config.startup_timeout)
        people = PeopleCursor(data["people"], phases=1 + len(config.modes) * len(config.clients))

        step("warm-up", f"{config.warmup:.0f} s at 8 clients")
        booking_phase(server.url, config, people, [data["warmup"]], clients=8, wrk=wrk, warmup=True)

        # Convene and pgbench alternate level by level, so each ratio compares two runs made
        # seconds apart: a shared machine's background load shifts both the same way.
        convene = {mode: [] for mode in config.modes}
        pg = {mode: [] for mode in config.modes}
        least = {mode: [] for mode in config.modes}
        positions: dict[int, list[int]] = defaultdict(list)
        confirmed_answers: dict[int, int] = defaultdict(int)
        for mode in config.modes:
            for level, clients in enumerate(config.clients):
                sessions = [data["hot"][level]] if mode == "hot" else data["spread"]
                step(f"booking, {mode}", f"{clients} clients, {config.duration:g} s")
                cpu_before, db_before = server.cpu(), postgres_cpu()
                result = booking_phase(
                    server.url, config, people, sessions, clients=clients, wrk=wrk
                )
                cpu_after = server.cpu()
                db_cpu = postgres_cpu() - db_before
                for session, told in result.waitlist_positions().items():
                    positions[session].extend(told)
                for session, confirmed in result.confirmed_answers().items():
                    confirmed_answers[session] += confirmed
                summary = result.summary()
                if result.count:
                    on_cpu, waited = (
                        after - before for after, before in zip(cpu_after, cpu_before, strict=True)
                    )
                    summary["server_cpu_ms_per_request"] = round(on_cpu / result.count * 1000, 2)
                    summary["server_runqueue_ms_per_request"] = round(
                        waited / result.count * 1000, 2
                    )
                    summary["client_cpu_ms_per_request"] = round(
                        result.client_cpu / result.count * 1000, 2
                    )
                    summary["db_cpu_ms_per_request"] = round(db_cpu / result.count * 1000, 2)
                convene[mode].append(summary)
                step(f"pgbench, {mode}", f"{clients} clients, {config.duration:g} s")
                pg[mode].append(pgbench_phase(pgbench, config, data, mode, level, clients))
                step(f"minimal job, {mode}", f"{clients} clients, {config.duration:g} s")
                least[mode].append(minimal_phase(pgbench, config, data, mode, level, clients))
                report.add_ratios(convene[mode][-1], pg[mode][-1], least[mode][-1])
        results["convene"] = convene
        results["pgbench"] = pg
        results["minimal_job"] = least
        results["reads"] = read_phases(server.url, config) if config.reads else []
        server.stop()
        server = None

        step("checking", "capacity and waitlist positions")
        results["integrity"] = check_integrity(config, positions, confirmed_answers)
        results["integrity"]["pgbench"] = check_capacity(data["pg_hot"] + data["pg_spread"])
        over = minimal.overbooked(config.database_url)
        results["integrity"]["minimal_job"] = {"ok": not over, "problems": over}
        results["finished_at"] = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        results["machine"]["load_average_at_end"] = [round(n, 2) for n in os.getloadavg()]
        results["targets"] = report.targets(results, config)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what the benchmark started", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
    path = RESULTS_DIR / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    (RESULTS_DIR / "latest.json").write_text(path.read_text())
    print()
    print(report.table(results))
    print(f"\nJSON: {path.relative_to(BASE_DIR)}")
    problems = [
        *results["integrity"]["problems"],
        *results["integrity"]["pgbench"]["problems"],
        *results["integrity"]["minimal_job"]["problems"],
    ]
    if problems:
        print("OVERBOOKED: " + "; ".join(problems))
        return 2
    return 0


def step(what: str, detail: str = "") -> None:
    print(f"[{datetime.now():%H:%M:%S}] {what}: {detail}", flush=True)


class PeopleCursor:
    """Hands out each person once over the whole run, sharing them fairly between phases."""

    def __init__(self, people, *, phases: int):
        self.people = people
        self.next = 0
        self.phases_left = phases

    def take(self):
        budget = (len(self.people) - self.next) // max(1, self.phases_left)
        return self.people[self.next : self.next + budget]

    def used(self, count: int) -> None:
        self.next += count
        self.phases_left -= 1


def booking_load(config: BenchConfig) -> str | None:
    """The wrk binary the booking levels are driven with, or None for aiohttp (BENCH_LOAD)."""
    if config.load == "aiohttp":
        return None
    wrk = find_wrk()
    if wrk is None and config.load == "wrk":
        raise SystemExit(
            "BENCH_LOAD=wrk, but there is no wrk on PATH: apt-get install wrk "
            "(or leave BENCH_LOAD unset to use aiohttp when wrk is missing)."
        )
    return wrk


def load_generator(wrk: str | None) -> str:
    if wrk is None:
        return f"aiohttp {aiohttp.__version__}"
    return (
        f"wrk {wrk_version(wrk)}, 2 threads (1 at odd client counts) for the bookings; "
        f"aiohttp {aiohttp.__version__} for the reads"
    )


def booking_phase(url, config, people: PeopleCursor, sessions, *, clients, wrk, warmup=False):
    """Book each of a batch of people once; the first ``taken`` of the batch count as used."""
    batch = people.take()
    duration = config.warmup if warmup else config.duration
    if wrk is not None:
        lines = [
            (BOOKING_PATH.format(id=sessions[n % len(sessions)]), person.token)
            for n, person in enumerate(batch)
        ]
        result = run_bookings(
            wrk, url, lines, clients=clients, duration=duration, timeout=config.request_timeout
        )
        people.used(result.taken)
        return result
    requests = [
        Request(
            "POST",
            BOOKING_PATH.format(id=sessions[n % len(sessions)]),
            headers={"Authorization": f"Bearer {person.token}", "Content-Type": "application/json"},
            body=b"{}",
            key=sessions[n % len(sessions)],
        )
        for n, person in enumerate(batch)
    ]
    result = run_phase(
        url,
        requests,
        clients=clients,
        duration=duration,
        timeout=config.request_timeout,
        keep_body=lambda status: True,
    )
    people.used(result.taken)
    return result


def pgbench_phase(pgbench, config, data, mode, level, clients) -> dict:
    """Replay the booking transaction; every level gets its own people-session pairs."""
    sessions = [data["pg_hot"][level]] if mode == "hot" else data["pg_spread"]
    span = len(sessions) * data["pg_people"] // max(1, len(config.clients))
    outcome = run_pgbench(
        pgbench,
        config.database_url,
        data["script"],
        clients=clients,
        duration=config.duration,
        threads=os.cpu_count() or 2,
        variables={
            "first_session": sessions[0],
            "sessions": len(sessions),
            "first_person": data["pg_first_person"],
            "people": data["pg_people"],
            "capacity": config.capacity,
            "offset": 0 if mode == "hot" else level * span,
        },
    )
    if outcome.aborted:
        print(outcome.output, file=sys.stderr)
    return outcome.summary()


def minimal_phase(pgbench, config, data, mode, level, clients) -> dict:
    """The minimal whole job at the same level, on its own sessions (bench/minimal.py)."""
    sessions = [data["minimal"]["hot"][level]] if mode == "hot" else data["minimal"]["spread"]
    span = len(sessions) * data["pg_people"] // max(1, len(config.clients))
    outcome = run_pgbench(
        pgbench,
        config.database_url,
        minimal.SCRIPT,
        protocol=config.minimal_protocol,
        clients=clients,
        duration=config.duration,
        threads=os.cpu_count() or 2,
        variables={
            "first_session": sessions[0],
            "sessions": len(sessions),
            "first_person": data["pg_first_person"],
            "people": data["pg_people"],
            "capacity": config.capacity,
            "offset": 0 if mode == "hot" else level * span,
        },
    )
    if outcome.aborted:
        print(outcome.output, file=sys.stderr)
    return outcome.summary()


def read_phases(url: str, config: BenchConfig) -> list[dict]:
    """Feed (full and 304) and the session list page, each at ``feed_clients`` clients."""
    rows = []
    bound = 1_000_000
    started = time.perf_counter()
    with urllib.request.urlopen(url + FEED_PATH, timeout=config.request_timeout) as feed:  # noqa: S310 (loopback)
        feed_bytes = len(feed.read())
        etag = feed.headers.get("ETag")
    cold_ms = (time.perf_counter() - started) * 1000
    step("feed warm-up", f"until every worker has built the feed once (cold: {cold_ms:.0f} ms)")
    # The feed cache is per process: a new connection per request spreads the warm-up over
    # every worker (kept-alive connections may all have landed on one).
    run_phase(
        url,
        [Request("GET", FEED_PATH)] * (4 * config.workers * config.threads),
        clients=config.feed_clients,
        duration=config.request_timeout,
        timeout=config.request_timeout,
        fresh_connections=True,
    )
    phases = [
        ("feed .ics", [Request("GET", FEED_PATH)] * bound),
        (
            "feed .ics 304",
            [Request("GET", FEED_PATH, headers={"If-None-Match": etag or "-"})] * bound,
        ),
        ("session list API", [Request("GET", LIST_PATH)] * bound),
        ("session list API, 100/page", [Request("GET", LIST_PATH + "?page_size=100")] * bound),
    ]
    for name, requests in phases:
        step(name, f"{config.feed_clients} clients, {config.feed_duration:.0f} s")
        result = run_phase(
            url,
            requests,
            clients=config.feed_clients,
            duration=config.feed_duration,
            timeout=config.request_timeout,
        )
        rows.append({"endpoint": name, **result.summary()})
    rows[0]["bytes"] = feed_bytes
    rows[0]["etag"] = etag
    rows[0]["first_request_ms"] = round(cold_ms, 1)
    return rows


def seed(config: BenchConfig, results: dict) -> dict:
    from django.utils import timezone

    from accounts.models import ApiToken, User
    from events.models import Session

    levels = len(config.clients)
    step("data", f"{config.people} people with API tokens")
    started = time.monotonic()
    people = create_people(config.people)
    ids = [person.id for person in people]
    assert ids == list(range(ids[0], ids[0] + len(ids))), "people ids must be contiguous"
    # pgbench books people of its own, without tokens: it books faster than HTTP and needs a
    # new person for every transaction of a level on one hot session, and a person it booked
    # would have a booking at an overlapping time (409 schedule_conflict) over HTTP.
    step("data", f"{config.pgbench_people} people for pgbench")
    pg_ids = create_plain_people(config.pgbench_people)
    assert pg_ids == list(range(pg_ids[0], pg_ids[0] + len(pg_ids))), "pgbench ids contiguous"
    results["seed_people_s"] = round(time.monotonic() - started, 1)

    catalogue = create_catalogue()
    published = catalogue.published_event_ids
    hidden = [catalogue.hidden_event_id]

    def listed(count: int) -> list[int]:
        return create_sessions(
            published, count, capacity=config.capacity, venue_id=catalogue.venue_id
        )

    def unlisted(count: int) -> list[int]:
        return create_sessions(hidden, count, capacity=config.capacity)

    data = {
        "people": people,
        "pg_people": len(pg_ids),
        "pg_first_person": pg_ids[0],
        "hot": listed(levels),
        "warmup": listed(1)[0],
        "pg_hot": unlisted(levels),
    }
    budget_session = listed(1)[0]
    probe_session = unlisted(1)[0]
    spare = User.objects.create_user("bench.budget@example.org", full_name="Bench Budget")
    spare_token = _token_for(spare)
    warmer = User.objects.create_user("bench.warm@example.org", full_name="Bench Warm")
    warm_token = _token_for(warmer)
    ApiToken.objects.filter(user__in=[spare, warmer]).update(last_used_at=timezone.now())
    # One booking first, as every worker has made one before the measured ones: what a process
    # keeps for a while (the webhook subscriptions, 30 s in the cache) is read then, not counted.
    query_budgets(budget_session, warm_token, reads=False)

    budgets = {"small": query_budgets(budget_session, spare_token)}
    step("data", f"{config.spread_sessions} sessions for the spread load, twice (Convene, pgbench)")
    data["spread"] = listed(config.spread_sessions)
    data["pg_spread"] = unlisted(config.spread_sessions)
    for sessions in (data["pg_spread"],):
        assert sessions == list(range(sessions[0], sessions[0] + len(sessions)))
    budgets["large"] = query_budgets(None, None)
    budgets["published_sessions"] = Session.objects.published().count()
    results["queries"] = budgets

    # The probe books one of pgbench's own (unlisted) sessions, which only a coordinator can.
    probe = User.objects.create_user(
        "bench.probe@example.org", full_name="Bench Probe", is_superuser=True
    )
    captured = capture_booking_sql(Session.objects.get(pk=probe_session), probe)
    results["booking_sql"] = captured.statements
    data["script"] = script_from_sql(captured, sql_literal)
    return data


def sql_literal(value) -> str:
    """A parameter as PostgreSQL would read it written into the statement (psycopg's quoting)."""
    from django.db import connection
    from psycopg import sql

    connection.ensure_connection()
    return sql.Literal(value).as_string(connection.connection)


def _token_for(user) -> str:
    from accounts.services import issue_api_token

    return issue_api_token(user, name="bench budget")


def query_budgets(booking_session_id, token, *, reads: bool = True) -> dict:
    """SQL queries per request, counted in-process through Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counted = {}
    paths = {"feed": FEED_PATH, "list": LIST_PATH, "list_100": LIST_PATH + "?page_size=100"}
    if not reads:
        paths = {}
    for name, path in paths.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        counted[name] = {"status": response.status_code, "queries": len(captured)}
    if booking_session_id is not None:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                BOOKING_PATH.format(id=booking_session_id),
                data=b"{}",
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
        counted["booking"] = {
            "status": response.status_code,
            "queries": len(captured),
            "sql": [query["sql"][:160] for query in captured.captured_queries],
        }
    return counted


def check_integrity(config: BenchConfig, positions, confirmed_answers) -> dict:
    """Confirmed never above capacity; no two waitlisted people told the same position."""
    problems = []
    capacity = check_capacity(None)
    problems.extend(capacity["problems"])
    for session_id, told in positions.items():
        if len(told) != len(set(told)):
            problems.append(f"session {session_id}: duplicate waitlist positions in answers")
    for session_id, confirmed in confirmed_answers.items():
        if confirmed > config.capacity:
            problems.append(f"session {session_id}: {confirmed} confirmed answers")
    return {
        "ok": not problems,
        "problems": problems,
        "sessions_checked": capacity["sessions_checked"],
        "waitlist_answers": sum(len(told) for told in positions.values()),
    }


def check_capacity(session_ids) -> dict:
    from django.db.models import F

    from booking.queries import sessions_with_availability
    from events.models import Session

    sessions = (
        Session.objects.all() if session_ids is None else Session.objects.filter(pk__in=session_ids)
    )
    annotated = sessions_with_availability(sessions)
    over = list(
        annotated.filter(confirmed_count__gt=F("capacity")).values_list("pk", "confirmed_count")
    )
    from django.db.models import Count

    from booking.models import Booking

    duplicate_people = (
        Booking.objects.active()
        .values("session", "person")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    problems = [f"session {pk}: {count} confirmed" for pk, count in over]
    if duplicate_people:
        problems.append(f"{duplicate_people} people hold two active bookings on one session")
    return {"ok": not problems, "problems": problems, "sessions_checked": sessions.count()}


if __name__ == "__main__":
    sys.exit(main())
