"""A real HTTP receiver for webhook tests: http.server in a thread, recording every request."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes
    path: str


@dataclass
class Receiver:
    """Answers ``status`` (default 204), or what ``respond(request_number)`` returns: a status
    code, or (status, headers). ``up = False`` answers 503, as a receiver that is down."""

    status: int = 204
    respond: object = None
    up: bool = True
    requests: list[Received] = field(default_factory=list)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body, self.path)
                )
                headers = {}
                if not receiver.up:
                    status = 503
                elif receiver.respond is not None:
                    status = receiver.respond(len(receiver.requests))
                    if isinstance(status, tuple):
                        status, headers = status
                else:
                    status = receiver.status
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
