"""A webhook receiver for the tests: a real HTTP server on localhost that verifies every delivery with the
`standardwebhooks` library, answers as scripted (some 500s first, or holding a request open) and keeps what came."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    payload: dict[str, Any] | None  # None when the signature did not verify
    error: str | None
    status: int


class CountingServer(ThreadingHTTPServer):
    """Counts every connection accepted, so a test can tell that nothing ever reached the server."""

    on_connection: Callable[[], None]

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.on_connection()
        return True


class Receiver:
    def __init__(self, port: int = 0) -> None:
        self.secret = ""
        self.deliveries: list[Delivery] = []
        self.failures_first = 0  # answer 500 to this many deliveries before answering 200
        self.hold: threading.Event | None = None  # when set up, each delivery waits for it before answering
        self.holding = threading.Event()
        self._lock = threading.Lock()
        self.connections = 0
        self._server = CountingServer(("127.0.0.1", port), self._handler())
        self._server.on_connection = self._connected
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self._server.shutdown()
        self._server.server_close()

    def unique(self) -> list[dict[str, Any]]:
        """Verified payloads in arrival order, each webhook-id once, as a receiver that dedupes would process them."""
        seen: set[str] = set()
        kept = []
        for delivery in self.deliveries:
            if delivery.status == 200 and delivery.webhook_id not in seen and delivery.payload is not None:
                seen.add(delivery.webhook_id)
                kept.append(delivery.payload)
        return kept

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        try:
            payload, error = Webhook(self.secret).verify(body, headers), None
        except WebhookVerificationError as failure:
            payload, error = None, str(failure)
        if self.hold is not None:
            self.holding.set()
            self.hold.wait(30)
        with self._lock:
            status = 500 if self.failures_first > 0 else 200
            self.failures_first -= status == 500
            self.deliveries.append(Delivery(headers.get("webhook-id", ""), payload, error, status))
        return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = receiver._answer({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def wait_for(condition: Callable[[], Any], seconds: float = 60, what: str = "the condition") -> Any:
    """Poll until `condition()` is truthy and return it; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
