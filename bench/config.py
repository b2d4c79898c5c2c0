"""Benchmark settings, all from environment variables with defaults that fit a laptop."""

import os
import runpy
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/convene_bench"


def _ints(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.replace(" ", "").split(",") if part)


@dataclass(frozen=True)
class BenchConfig:
    database_url: str = DEFAULT_DATABASE_URL
    clients: tuple[int, ...] = (1, 8, 32, 64)
    duration: float = 10.0
    warmup: float = 2.0
    workers: int = 3
    threads: int = 2
    people: int = 60_000
    pgbench_people: int = 150_000
    spread_sessions: int = 1_000
    capacity: int = 100
    feed_clients: int = 8
    feed_duration: float = 5.0
    request_timeout: float = 30.0
    startup_timeout: float = 60.0
    keepalive: int = 75
    modes: tuple[str, ...] = ("hot", "spread")
    reads: bool = True
    allow_drop: bool = False
    minimal_protocol: str = "simple"
    load: str = "auto"  # the booking levels' load generator: wrk when installed, else aiohttp

    @classmethod
    def from_env(cls, environ=None) -> "BenchConfig":
        env = os.environ if environ is None else environ
        duration = float(env.get("BENCH_DURATION", "10"))
        return cls(
            database_url=env.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
            clients=_ints(env.get("BENCH_CLIENTS", "1,8,32,64")),
            duration=duration,
            warmup=float(env.get("BENCH_WARMUP", "2")),
            # What gunicorn.conf.py chooses, unless asked for others.
            workers=int(env.get("BENCH_WORKERS") or production_gunicorn()["workers"]),
            threads=int(env.get("BENCH_THREADS") or production_gunicorn()["threads"]),
            people=int(env.get("BENCH_PEOPLE", "60000")),
            pgbench_people=int(env.get("BENCH_PGBENCH_PEOPLE", "150000")),
            spread_sessions=int(env.get("BENCH_SESSIONS", "1000")),
            feed_clients=int(env.get("BENCH_FEED_CLIENTS", "8")),
            feed_duration=float(env.get("BENCH_FEED_DURATION", str(max(duration / 2, 1)))),
            keepalive=int(env.get("BENCH_KEEPALIVE") or production_gunicorn()["keepalive"]),
            modes=tuple(m for m in env.get("BENCH_MODES", "hot,spread").split(",") if m),
            reads=env.get("BENCH_READS", "1") == "1",
            allow_drop=env.get("BENCH_ALLOW_DROP", "") == "1",
            # The minimal job as the issue measured it: pgbench's default protocol, each
            # statement parsed and planned. "prepared" gives the job the planning Convene saves.
            minimal_protocol=env.get("BENCH_MINIMAL_PROTOCOL", "simple"),
            load=env.get("BENCH_LOAD") or "auto",
        )

    @property
    def database_name(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")

    def check(self) -> None:
        """Refuse settings that could hurt: dropping a database not meant for benchmarks."""
        if "bench" not in self.database_name and not self.allow_drop:
            raise SystemExit(
                f"Refusing to drop and recreate database {self.database_name!r}: its name does "
                "not contain 'bench'. Set BENCH_ALLOW_DROP=1 if it really is disposable."
            )
        if urlsplit(self.database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
            raise SystemExit("BENCH_DATABASE_URL must be a postgres:// URL.")
        if not self.clients or min(self.clients) < 1:
            raise SystemExit("BENCH_CLIENTS must list positive client counts, e.g. 1,8,32,64.")
        if self.load not in {"auto", "wrk", "aiohttp"}:
            raise SystemExit("BENCH_LOAD must be wrk or aiohttp (unset: wrk when installed).")


def production_gunicorn() -> dict:
    """The settings of the repository's gunicorn.conf.py, read as gunicorn reads them."""
    return runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
