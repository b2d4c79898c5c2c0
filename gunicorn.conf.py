"""Convene's production gunicorn settings. gunicorn reads ./gunicorn.conf.py by default, so
``gunicorn convene.wsgi`` from the repository root runs with them; ``make bench`` and the
fault tests start gunicorn the same way, so what is measured is what is recommended.

Environment variables change the few settings a deployment chooses (docs/deployment.md);
command-line options still override everything here. Why each choice: docs/performance.md
("Choosing workers and threads", "The request's CPU budget").
"""

import os

# The address nginx proxies to.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# A booking rush is CPU-bound: few requests in Python at a time serve it best, since each extra
# one takes CPU from the request holding a session's lock. CPUs + 1 sync workers (gunicorn's
# own WEB_CONCURRENCY sets the number): a sync worker takes a connection only when it is free,
# so the load spreads evenly over them. GUNICORN_THREADS > 1 switches to the gthread worker.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"

# Kept-alive connections matter only with gthread workers (a sync worker closes each one).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
backlog = 2048
timeout = 30
graceful_timeout = 10

# nginx writes the access log; a second one here cost CPU on every request (about 0.05 ms a
# booking). GUNICORN_ACCESS_LOG=- writes it to stderr when gunicorn is reached directly.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The worker's heartbeat is a file it touches on every request; on tmpfs that never waits for
# a disk (gunicorn's advice for containers).
if os.path.isdir("/dev/shm"):  # noqa: S108 (gunicorn's own heartbeat file, not our data)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Only the local nginx may say which scheme and address a request came from.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
