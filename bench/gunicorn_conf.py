"""gunicorn settings the benchmark adds to its command line (``--config python:...``)."""

import os
import sys


def post_worker_init(worker):
    # BENCH_SWITCH_INTERVAL (seconds): how long a thread may hold the GIL while another waits.
    # A thread back from the database with the session row locked waits for the GIL; a shorter
    # interval shortens that wait, so the lock is held for less time.
    interval = os.environ.get("BENCH_SWITCH_INTERVAL")
    if interval:
        sys.setswitchinterval(float(interval))
