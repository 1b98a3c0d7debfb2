"""A real HTTP server on 127.0.0.1 that serves fixed bodies by path and can go down for a while, answering 503 to
every call meanwhile, as a vendor or a material host in an outage. It counts the calls that came while it was down."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class OutageServer:
    def __init__(self, bodies: dict[str, tuple[str, bytes]]) -> None:
        """`bodies` maps a path to (content type, body); it is answered to GET and POST alike."""
        self.bodies = bodies
        self.calls: list[str] = []
        self.calls_while_down = 0
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.outage = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def go_down(self, seconds: float) -> None:
        """Answer 503 to every call for the next `seconds` (float('inf'): until further notice)."""
        with self._lock:
            self._down_until = time.monotonic() + seconds

    def answer(self, path: str) -> tuple[int, str, bytes]:
        with self._lock:
            self.calls.append(path)
            if time.monotonic() < self._down_until:
                self.calls_while_down += 1
                return 503, "text/plain", b"service unavailable"
        content_type, body = self.bodies.get(path, ("text/plain", b""))
        return (200 if path in self.bodies else 404), content_type, body

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OutageServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
        self._reply()

    def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self._reply()

    def _reply(self) -> None:
        status, content_type, body = self.server.outage.answer(self.path.split("?", 1)[0])  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keeps test output quiet
        return
