"""wrk as the load generator of the booking levels, when it is installed (bench/wrk_bookings.lua).

The bench's own generator (bench/load.py, aiohttp) costs about a millisecond of CPU a request,
taken from the CPUs gunicorn and PostgreSQL use; wrk is C and costs a fraction of that, and it
is what an independent harness measured Convene with. Each request is still a different
person, sent once; wrk reports the same figures as bench/load.py's ``PhaseResult`` (its
latency percentiles are wrk's own, which correct for coordinated omission).
"""

import math
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import level_summary

SCRIPT = Path(__file__).with_name("wrk_bookings.lua")


def find_wrk() -> str | None:
    return shutil.which("wrk")


def wrk_version(binary: str) -> str:
    """``wrk -v`` prints "wrk 4.1.0 [epoll] ..." (Debian: "wrk debian/4.1.0-3+b2 ...")."""
    run = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10, check=False)
    found = re.search(r"\d+\.\d+\.\d+", run.stdout + run.stderr)
    return found.group(0) if found else "?"


def threads_for(clients: int) -> int:
    """wrk gives each thread clients // threads connections: two threads when that is exact.
    Few on purpose: at a few thousand requests a second one thread is plenty, and every
    thread is one more on the CPUs the server uses."""
    return 2 if clients >= 2 and clients % 2 == 0 else 1


@dataclass
class WrkResult:
    """One booking level as wrk saw it; ``summary()`` has the keys of ``PhaseResult``'s."""

    clients: int
    threads: int
    duration: float
    count: int
    latency_ms: tuple[float, float, float]  # p50, p95, p99
    counted: dict[str, int]
    positions: dict[int, list[int | None]]
    confirmed: dict[int, int]
    taken: int  # the highest line sent: every person up to it counts as used
    exhausted: bool
    errors: dict[str, int] = field(default_factory=dict)
    client_cpu: float = 0.0  # seconds of wrk's CPU

    @property
    def throughput(self) -> float:
        return self.count / self.duration if self.duration else 0.0

    def statuses(self) -> dict[str, int]:
        return dict(sorted(self.counted.items()))

    def waitlist_positions(self) -> dict[int, list[int | None]]:
        return self.positions

    def confirmed_answers(self) -> dict[int, int]:
        return self.confirmed

    def summary(self) -> dict:
        threads = f"wrk, {self.threads} thread{'s' * (self.threads > 1)}"
        summary = level_summary(self, self.latency_ms, threads)
        # Requests that got no answer (connect, read, write) or answered after --timeout
        # (counted above by status, left out of the latencies); "status" is in statuses.
        socket = {kind: n for kind, n in self.errors.items() if n and kind != "status"}
        if socket:
            summary["socket_errors"] = socket
        return summary


def parse_results(text: str, *, clients: int, threads: int) -> WrkResult:
    """Read the results file bench/wrk_bookings.lua's done() writes (its header says how)."""
    facts: dict[str, list[str]] = {}
    counted: Counter = Counter()
    confirmed: Counter = Counter()
    positions: dict[int, list[int | None]] = defaultdict(list)
    taken, exhausted = 0, False
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "status":
            count, _, label = rest.partition(" ")
            counted[label] += int(count)
        elif kind == "confirmed":
            session, count = rest.split()
            confirmed[int(session)] += int(count)
        elif kind == "waitlisted":
            session, place = rest.split()
            positions[int(session)].append(None if place == "null" else int(place))
        elif kind == "thread":
            _index, highest, _sent, ran_out = rest.split()
            taken = max(taken, int(highest))
            exhausted = exhausted or ran_out == "1"
        elif kind:
            facts[kind] = rest.split()
    count = int(facts["requests"][0])
    latency = tuple(int(us) / 1000 if count else math.nan for us in facts["latency_us"])
    kinds = ["connect", "read", "write", "status", "timeout"]
    errors = dict(zip(kinds, map(int, facts["errors"]), strict=True))
    return WrkResult(
        clients=clients,
        threads=threads,
        duration=int(facts["duration_us"][0]) / 1e6,
        count=count,
        latency_ms=latency,
        counted=dict(counted),
        positions=dict(positions),
        confirmed=dict(confirmed),
        taken=taken,
        exhausted=exhausted,
        errors=errors,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_bookings(
    binary: str,
    base_url: str,
    lines: Sequence[tuple[str, str]],
    *,
    clients: int,
    duration: float,
    timeout: float,
) -> WrkResult:
    """POST each ``(path, token)`` once at ``clients`` connections for up to ``duration`` s."""
    threads = threads_for(clients)
    with tempfile.TemporaryDirectory(prefix="convene-wrk-") as folder:
        work = Path(folder)
        (work / "requests").write_text("".join(f"{path} {token}\n" for path, token in lines))
        command = [
            binary,
            "--threads", str(threads),
            "--connections", str(clients),
            # wrk counts whole seconds.
            "--duration", f"{max(1, math.ceil(duration))}s",
            "--timeout", f"{max(1, math.ceil(timeout))}s",
            "--script", str(SCRIPT),
            base_url + "/",
            "--", folder, str(threads),
        ]  # fmt: skip
        # The CPU of the children this process has waited for: only wrk is waited for in
        # between (gunicorn, also a child, is waited for when it stops).
        cpu_before = _children_cpu()
        with (work / "output").open("w") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        bound = time.monotonic() + duration + timeout + 30
        signalled = 0.0
        try:
            while process.poll() is None:
                now = time.monotonic()
                if now > bound:
                    raise RuntimeError(f"wrk still running after {duration + timeout + 30:g} s")
                # Every thread has had the answers to what it sent, its list (or another's)
                # used up: wrk would idle until --duration, so end it now. SIGINT makes it
                # report as at the end; repeated in case the first came before its handler.
                if now - signalled > 0.5 and len(list(work.glob("done.*"))) == threads:
                    process.send_signal(signal.SIGINT)
                    signalled = now
                time.sleep(0.01)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        client_cpu = _children_cpu() - cpu_before
        results = work / "results"
        if process.returncode != 0 or not results.exists():
            wrote = (work / "output").read_text()
            raise RuntimeError(f"wrk failed (exit status {process.returncode}):\n{wrote}")
        result = parse_results(results.read_text(), clients=clients, threads=threads)
    result.client_cpu = client_cpu
    return result
