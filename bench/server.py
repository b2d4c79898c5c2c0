"""Start Convene under gunicorn on a free loopback port and stop it (and its workers) again."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.config import BASE_DIR


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_cpu(pgid: int) -> tuple[float, float]:
    """Seconds on a CPU and seconds waiting in the run queue, summed over a process group's
    threads (Linux /proc/<pid>/task/<tid>/schedstat); (0, 0) where /proc has no such data."""
    return _cpu(lambda stat: int(stat.rsplit(")", 1)[1].split()[2]) == pgid)


def postgres_cpu() -> float:
    """Seconds on a CPU of this machine's PostgreSQL processes (0 when it runs elsewhere)."""
    return _cpu(lambda stat: stat.split(" (", 1)[1].startswith("postgres)"))[0]


def _cpu(selected) -> tuple[float, float]:
    on_cpu = waiting = 0
    with contextlib.suppress(OSError):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if not selected(Path(f"/proc/{pid}/stat").read_text()):
                    continue
                for tid in os.listdir(f"/proc/{pid}/task"):
                    fields = Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()
                    on_cpu += int(fields[0])
                    waiting += int(fields[1])
            except (OSError, IndexError, ValueError):
                continue  # the process ended while we looked
    return on_cpu / 1e9, waiting / 1e9


class Gunicorn:
    """A gunicorn process group; use as a context manager so it is always stopped."""

    def __init__(self, *, env: dict, workers: int, threads: int, keepalive: int, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "SITE_URL": self.url}
        self.workers = workers
        self.threads = threads
        self.keepalive = keepalive
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        # gunicorn reads ./gunicorn.conf.py (the production settings) from BASE_DIR; only the
        # address, and the workers and threads when BENCH_WORKERS or BENCH_THREADS ask for
        # others, are given here, through the variables that file reads.
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "convene.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        self.env.update(
            WEB_CONCURRENCY=str(self.workers),
            GUNICORN_THREADS=str(self.threads),
            GUNICORN_KEEPALIVE=str(self.keepalive),
            GUNICORN_LOG_LEVEL="warning",
        )
        self.log_file = self.log_path.open("ab")
        # A new session makes gunicorn the leader of its own process group, so stop() can
        # signal the master and every worker at once, and Ctrl-C in the terminal reaches
        # only us (we then stop it in order).
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def cpu(self) -> tuple[float, float]:
        return group_cpu(self.process.pid) if self.process else (0.0, 0.0)

    def wait_ready(self, timeout: float) -> None:
        """Poll until the server answers any HTTP request; bounded by ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/", timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means the workers are up
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        # Workers left behind by a crashed master still belong to the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log_file.close()
        self.process = None
