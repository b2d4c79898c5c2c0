"""Real processes for fault tests: a loopback SMTP server and `manage.py db_worker` workers.

Everything listens on 127.0.0.1 only, every wait has a deadline, and every process started here
is killed at teardown.
"""

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


class Inbox:
    """Keeps every accepted message; ``delay`` makes each one take a while, like a real relay."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.received: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.received)


class SmtpServer:
    """An aiosmtpd server on a fixed loopback port that can go down and come back."""

    def __init__(self, delay: float = 0.0):
        self.inbox = Inbox(delay)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


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
                k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "NOTIFICATION_"))
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

    def start(self, worker_id: str) -> subprocess.Popen:
        log = (self.log_dir / f"worker-{worker_id}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 -- our own interpreter and manage.py
            [
                sys.executable,
                "manage.py",
                "db_worker",
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
