"""A bounded async load generator: N clients, a fixed duration, a finite list of requests.

Every client takes the next request from a shared list, so no request (and, for bookings, no
person) is used twice; a phase ends when its time is up or its list is used up, whichever
comes first, and no request may run longer than the client timeout. The booking levels use wrk
instead when it is installed (bench/wrk.py); the reads always use this one.
"""

import asyncio
import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp


def nearest_rank(ordered: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` of a sorted sequence, by the nearest-rank method."""
    if not ordered:
        return float("nan")
    rank = math.ceil(fraction * len(ordered) - 1e-9)  # 0.95 * 100 is 95.00000000000001
    return ordered[min(len(ordered), max(rank, 1)) - 1]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    key: object = None  # what the result belongs to (e.g. the session id of a booking)


@dataclass
class Outcome:
    status: int
    latency: float
    key: object = None
    body: dict | None = None


@dataclass
class PhaseResult:
    clients: int
    duration: float
    outcomes: list[Outcome]
    taken: int
    exhausted: bool
    client_cpu: float = 0.0  # seconds of this process's CPU the phase took

    @property
    def count(self) -> int:
        return len(self.outcomes)

    @property
    def throughput(self) -> float:
        return self.count / self.duration if self.duration else 0.0

    def percentile(self, fraction: float) -> float:
        """Latency in ms at ``fraction`` (nearest rank)."""
        return nearest_rank(sorted(outcome.latency for outcome in self.outcomes), fraction) * 1000

    def statuses(self) -> dict[str, int]:
        counts = Counter()
        for outcome in self.outcomes:
            label = str(outcome.status)
            if outcome.body and outcome.status >= 400 and "code" in outcome.body:
                label = f"{outcome.status} {outcome.body['code']}"
            elif outcome.body and outcome.status == 201 and "status" in outcome.body:
                label = f"201 {outcome.body['status']}"
            counts[label] += 1
        return dict(sorted(counts.items()))

    def summary(self) -> dict:
        latency = tuple(self.percentile(fraction) for fraction in (0.50, 0.95, 0.99))
        return level_summary(self, latency, "aiohttp")

    def waitlist_positions(self) -> dict[object, list]:
        """The waitlist position each waitlisted booking was told, by request key (session)."""
        told = defaultdict(list)
        for outcome in self._booked("waitlisted"):
            told[outcome.key].append(outcome.body.get("waitlist_position"))
        return dict(told)

    def confirmed_answers(self) -> dict[object, int]:
        """How many bookings were told they were confirmed, by request key (session)."""
        return dict(Counter(outcome.key for outcome in self._booked("confirmed")))

    def _booked(self, status: str):
        return (
            outcome
            for outcome in self.outcomes
            if outcome.status == 201 and outcome.body and outcome.body.get("status") == status
        )


def level_summary(result, latency_ms: tuple[float, float, float], load_generator: str) -> dict:
    """A booking or read level as the table and the JSON show it, whichever generator ran it
    (``result`` has clients, count, duration, throughput, statuses() and exhausted)."""
    p50, p95, p99 = latency_ms
    return {
        "clients": result.clients,
        "requests": result.count,
        "seconds": round(result.duration, 3),
        "rps": round(result.throughput, 1),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(p99, 2),
        "statuses": result.statuses(),
        "ran_out_of_requests": result.exhausted,
        "load_generator": load_generator,
    }


async def _run(
    base_url: str,
    requests: Sequence[Request],
    *,
    clients: int,
    duration: float,
    timeout: float,
    keep_body: Callable[[int], bool],
    fresh_connections: bool,
) -> PhaseResult:
    outcomes: list[Outcome] = []
    taken = 0
    # aiohttp rather than httpx: on a small machine the load generator shares the CPUs with
    # gunicorn and PostgreSQL, and aiohttp costs a few times less CPU per request.
    connector = aiohttp.TCPConnector(
        limit=clients, limit_per_host=clients, force_close=fresh_connections
    )
    async with aiohttp.ClientSession(
        base_url=base_url,
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        trust_env=False,
        auto_decompress=False,
    ) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def one_client() -> None:
            nonlocal taken
            while time.perf_counter() < deadline and taken < len(requests):
                request = requests[taken]
                taken += 1
                sent = time.perf_counter()
                try:
                    async with client.request(
                        request.method, request.path, headers=request.headers, data=request.body
                    ) as response:
                        status, content = response.status, await response.read()
                except (aiohttp.ClientError, TimeoutError) as error:
                    # Counted as status 599 with the error's class as its code.
                    status = 599
                    content = json.dumps({"code": type(error).__name__}).encode()
                latency = time.perf_counter() - sent
                body = None
                if content and keep_body(status):
                    try:
                        body = json.loads(content)
                    except ValueError:
                        body = None
                outcomes.append(Outcome(status, latency, request.key, body))

        await asyncio.wait_for(
            asyncio.gather(*(one_client() for _ in range(clients))),
            timeout=duration + timeout + 5,
        )
        elapsed = time.perf_counter() - started
    return PhaseResult(clients, elapsed, outcomes, taken, taken >= len(requests))


def run_phase(
    base_url: str,
    requests: Sequence[Request],
    *,
    clients: int,
    duration: float,
    timeout: float = 30.0,
    keep_body: Callable[[int], bool] = lambda status: False,
    fresh_connections: bool = False,
) -> PhaseResult:
    """Drive ``requests`` at ``clients`` concurrent connections for up to ``duration`` seconds."""
    cpu_before = time.process_time()
    result = asyncio.run(
        _run(
            base_url,
            requests,
            clients=clients,
            duration=duration,
            timeout=timeout,
            keep_body=keep_body,
            fresh_connections=fresh_connections,
        )
    )
    result.client_cpu = time.process_time() - cpu_before
    return result
