"""A stand-in for Convene's booking endpoint: enough for the load generators' tests."""

import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = re.compile(r"^/api/v1/sessions/(\d+)/bookings/$")


class BookingServer(ThreadingHTTPServer):
    """Books each bearer token once per run: the first ``capacity`` per session confirmed,
    the rest waitlisted in order; a token seen before gets 409 already_booked."""

    daemon_threads = True

    def __init__(self, *, capacity: int, keep_alive: bool):
        self.capacity = capacity
        self.seen: list[str] = []
        self.booked: Counter = Counter()
        self.lock = threading.Lock()
        protocol = "HTTP/1.1" if keep_alive else "HTTP/1.0"  # 1.0: closed after each, as sync
        handler = type("Handler", (Handler,), {"protocol_version": protocol})
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request, client_address):
        pass  # a client gone mid-request (wrk stopping at its duration) is no news here

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def book(self, session: int, token: str) -> tuple[int, dict]:
        with self.lock:
            if token in self.seen:
                self.seen.append(token)
                return 409, {"code": "already_booked", "detail": "Booked already."}
            self.seen.append(token)
            self.booked[session] += 1
            place = self.booked[session]
        waiting = place - self.capacity if place > self.capacity else None
        status = "confirmed" if waiting is None else "waitlisted"
        return 201, {
            "id": place,
            "session": session,
            "status": status,
            "waitlist_position": waiting,
        }


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = PATH.match(self.path)
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if match is None:
            status, body = 404, {"code": "not_found", "detail": ""}
        else:
            status, body = self.server.book(int(match.group(1)), token)
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass
