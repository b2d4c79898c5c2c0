"""The booking levels' load generators: wrk's results file, and wrk against a stand-in server."""

import math
import threading

import pytest

from bench import run
from bench.config import BenchConfig
from bench.load import Outcome, PhaseResult
from bench.wrk import find_wrk, parse_results, run_bookings, threads_for
from tests.bench.fake_booking_server import BookingServer

RESULTS = """\
duration_us 10004321
requests 7
latency_us 41000 95500 120250
errors 0 0 0 2 0
thread 0 9 4 0
status 2 201 confirmed
status 1 201 waitlisted
status 1 409 already_booked
confirmed 41 2
waitlisted 41 1
thread 1 6 3 1
status 1 201 waitlisted
status 1 409 schedule_conflict
status 1 201 confirmed
confirmed 42 1
waitlisted 41 2
"""


def test_wrk_results_file_gives_the_figures_of_a_booking_level():
    result = parse_results(RESULTS, clients=32, threads=2)
    summary = result.summary()

    assert summary == {
        "clients": 32,
        "requests": 7,
        "seconds": 10.004,
        "rps": 0.7,
        "p50_ms": 41.0,
        "p95_ms": 95.5,
        "p99_ms": 120.25,
        "statuses": {
            "201 confirmed": 3,
            "201 waitlisted": 2,
            "409 already_booked": 1,
            "409 schedule_conflict": 1,
        },
        "ran_out_of_requests": True,
        "load_generator": "wrk, 2 threads",
    }
    assert result.waitlist_positions() == {41: [1, 2]}
    assert result.confirmed_answers() == {41: 2, 42: 1}
    assert result.taken == 9  # the highest line either thread sent: nobody up to it is reused


def test_wrk_results_file_with_no_answers_and_socket_errors():
    text = "duration_us 1000000\nrequests 0\nlatency_us 0 0 0\nerrors 3 1 0 0 0\nthread 0 0 0 0\n"

    summary = parse_results(text, clients=1, threads=1).summary()

    assert (summary["requests"], summary["rps"], summary["statuses"]) == (0, 0.0, {})
    assert math.isnan(summary["p50_ms"])
    assert summary["socket_errors"] == {"connect": 3, "read": 1}


def test_aiohttp_result_gives_the_same_booking_answers():
    def booked(session, status, position=None):
        body = {"session": session, "status": status, "waitlist_position": position}
        return Outcome(201, 0.01, key=session, body=body)

    outcomes = [booked(1, "confirmed"), booked(1, "waitlisted", 1), booked(2, "waitlisted", 1)]
    outcomes.append(Outcome(409, 0.01, key=1, body={"code": "already_booked"}))
    result = PhaseResult(1, 1.0, outcomes, taken=4, exhausted=True)

    assert result.waitlist_positions() == {1: [1], 2: [1]}
    assert result.confirmed_answers() == {1: 1}
    assert result.summary()["load_generator"] == "aiohttp"


def test_wrk_threads_divide_the_connections_exactly():
    assert [threads_for(n) for n in (1, 2, 7, 8, 32, 64)] == [1, 2, 1, 2, 2, 2]


def test_asking_for_wrk_without_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(run, "find_wrk", lambda: None)

    with pytest.raises(SystemExit, match="apt-get install wrk"):
        run.booking_load(BenchConfig(load="wrk"))
    assert run.booking_load(BenchConfig()) is None  # unset: aiohttp when wrk is missing
    monkeypatch.setattr(run, "find_wrk", lambda: "/usr/bin/wrk")
    assert run.booking_load(BenchConfig(load="aiohttp")) is None


needs_wrk = pytest.mark.skipif(
    find_wrk() is None, reason="wrk is not installed (apt-get install wrk)"
)


@pytest.fixture
def server():
    # Closes every connection after its answer, as gunicorn's sync workers do.
    server = BookingServer(capacity=3, keep_alive=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def lines(count: int) -> list[tuple[str, str]]:
    return [(f"/api/v1/sessions/{7 + n % 2}/bookings/", f"token-{n}") for n in range(count)]


@needs_wrk
def test_wrk_sends_each_person_once_and_stops_when_the_list_runs_out(server):
    requests = lines(41)

    result = run_bookings(find_wrk(), server.url, requests, clients=4, duration=10, timeout=5)

    # Nothing but listed requests, each once; every one sent was answered and counted.
    assert len(server.seen) == len(set(server.seen)) == result.count
    assert set(server.seen) <= {token for _, token in requests[: result.taken]}
    assert result.exhausted
    assert result.duration < 5
    assert result.confirmed_answers() == {7: 3, 8: 3}
    for told in result.waitlist_positions().values():
        assert sorted(told) == list(range(1, len(told) + 1))
    assert sum(result.statuses().values()) == result.count
    assert result.client_cpu > 0


@needs_wrk
def test_wrk_stops_at_the_duration_with_people_left(server):
    requests = lines(200_000)

    result = run_bookings(find_wrk(), server.url, requests, clients=2, duration=1, timeout=5)

    assert not result.exhausted
    assert 0.9 < result.duration < 2
    assert len(server.seen) == len(set(server.seen)) <= result.taken
    # Requests still on their way when wrk stopped are not counted.
    assert 0 < result.count <= len(server.seen)
    assert set(result.statuses()) <= {"201 confirmed", "201 waitlisted"}
