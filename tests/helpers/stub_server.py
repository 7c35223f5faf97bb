"""A tiny HTTP server on 127.0.0.1 that records exactly what arrived and answers as told.

The client tests must not depend on the emulator; this stub sees the raw
request line, every header line in order (duplicates included) and the body bytes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    target: str  # the raw request target, e.g. "/?deleteVectors"
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def names(self) -> list[str]:
        return [k for k, _ in self.headers]


@dataclass
class StubReply:
    status: int = 204
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay_s: float = 0.0


Responder = Callable[[Received], StubReply]


class StubServer:
    """Context manager: ``with StubServer() as stub: stub.url ...; stub.requests``."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.requests: list[Received] = []
        self.responder: Responder = responder or (lambda _r: StubReply())
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(self.command, self.path, list(self.headers.items()), body)
                stub.requests.append(received)
                reply = stub.responder(received)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.body and self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_post = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
