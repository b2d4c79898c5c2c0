"""Real processes for fault tests: a loopback SMTP server and `manage.py db_worker` workers.

Everything listens on 127.0.0.1 only, every wait has a deadline, and every process started here
is killed at teardown.
"""

import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    yield server
    server.stop()


def wait_for(condition, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll until ``condition()`` is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


class Workers:
    """Start `manage.py` processes against the test database; kill any left at teardown."""

    def __init__(self, smtp_port: int, log_dir: Path):
        self.log_dir = log_dir
        params = connection.settings_dict
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("EMAIL_", "NOTIFICATION_", "THROTTLE_", "DJANGO_ALLOW_ASYNC"))
            },
            "DATABASE_URL": (
                f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
            ),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "NOTIFICATION_RETRY_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "convene.settings",
        }
        self.processes: list[subprocess.Popen] = []

    def start(self, worker_id: str, command: str = "db_worker") -> subprocess.Popen:
        """Start a worker: ``db_worker`` (tasks only) or ``worker`` (tasks and the periodic
        jobs)."""
        log = (self.log_dir / f"worker-{worker_id}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 -- our own interpreter and manage.py
            [
                sys.executable,
                "manage.py",
                command,
                "--no-reload",
                "--no-startup-delay",
                "--interval=0.1",
                f"--worker-id={worker_id}",
                "--verbosity=0",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child keeps its own descriptor
        self.processes.append(process)
        return process

    def run(self, *args: str, **environ: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 -- our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **environ},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )

    @staticmethod
    def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


@pytest.fixture
def workers(smtp_server, tmp_path):
    started = Workers(smtp_server.port, tmp_path)
    yield started
    started.stop_all()


class WebServer:
    """gunicorn serving Convene on a loopback port, against the test database."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.env = {
            **env,
            "DEBUG": "false",
            "SECRET_KEY": "fault-tests-" + "k3Y9pQ2zR7wX5vB8nM1cL4dF6gH0jT" * 2,
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "THROTTLE_USER": "100000/minute",
            "THROTTLE_BOOKING": "100000/minute",
            "LOG_LEVEL": "CRITICAL",
        }
        self.log_dir = log_dir
        self.process = None

    def start(self, workers: int = 3) -> None:
        log = (self.log_dir / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 -- our own interpreter and gunicorn
            [
                sys.executable,
                "-m",
                "gunicorn",
                "convene.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                "--timeout=30",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for(self._healthy, timeout=60, what="gunicorn to answer /healthz")

    def _healthy(self) -> bool:
        try:
            status, _, _ = self.request("GET", "/healthz")
        except OSError:
            return False
        return status == 200

    def request(self, method: str, path: str, *, body: bytes | None = None, headers=None):
        """One HTTP request over loopback; returns (status, headers, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


@pytest.fixture
def web_server(workers, tmp_path):
    server = WebServer(workers.env, tmp_path)
    yield server
    server.stop()


class Killer(threading.Thread):
    """Terminate PostgreSQL backends of the test database in the middle of their transactions.

    ``pg_terminate_backend`` makes the server process exit, exactly as when an administrator or
    a failover ends it: the client sees its connection drop mid-statement or mid-transaction.
    Targets are the backends in ``pids`` (threads that register theirs), or with ``pids=None``
    every other backend on the database except those in ``spare`` (the test's own).
    """

    def __init__(self, *, pids: set[int] | None = None, spare=(), max_kills: int = 25):
        super().__init__(daemon=True)
        params = connection.get_connection_params()
        self.conninfo = psycopg.conninfo.make_conninfo(
            dbname=params["dbname"],
            user=params.get("user"),
            host=params.get("host"),
            port=params.get("port"),
        )
        self.pids = pids
        self.spare = list(spare)
        self.max_kills = max_kills
        self.stop = threading.Event()
        self.kills = 0

    def _busy(self, killer) -> list[int]:
        if self.pids is not None:
            sql = "SELECT pid FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid = ANY(%s)"
            params = [list(self.pids)]
        else:
            sql = (
                "SELECT pid FROM pg_stat_activity WHERE xact_start IS NOT NULL "
                "AND datname = current_database() AND pid <> pg_backend_pid() "
                "AND NOT pid = ANY(%s)"
            )
            params = [self.spare]
        return [pid for (pid,) in killer.execute(sql, params).fetchall()]

    def run(self):
        rng = random.Random(7)
        with psycopg.connect(self.conninfo, autocommit=True) as killer:
            while not self.stop.is_set() and self.kills < self.max_kills:
                busy = self._busy(killer)
                if busy:
                    (terminated,) = killer.execute(
                        "SELECT pg_terminate_backend(%s)", [rng.choice(busy)]
                    ).fetchone()
                    self.kills += bool(terminated)
                time.sleep(rng.uniform(0.005, 0.03))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.join(timeout=10)
