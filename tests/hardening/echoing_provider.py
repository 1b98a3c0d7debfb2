"""A real HTTP server on 127.0.0.1 that speaks OpenAI's chat and speech routes the way a hostile provider fails: every
error it gives repeats the credentials it was sent, as real providers' 401 pages do.

Each distinct request body is answered 429 on its first attempt, 500 on its second and 401 from then on, so one call
walks through a retried rate limit, a retried server error and a permanent refusal. Chat errors come as JSON and
speech errors as HTML (the 500s the other way round), so both body shapes reach the clients.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.llm.fake_openai_server import FakeOpenAIServer

ROUTES = ("/v1/chat/completions", "/v1/audio/speech")


def _json_error(status: int, credentials: str) -> bytes:
    message = f"Incorrect API key provided: {credentials.removeprefix('Bearer ')}. Sent: Authorization: {credentials}"
    return json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": status}}).encode()


def _html_error(status: int, credentials: str) -> bytes:
    return (
        f"<html><head><title>{status}</title></head><body><h1>Error {status}</h1>"
        f"<pre>POST headers:\nauthorization: {credentials}\nx-api-key: {credentials.removeprefix('Bearer ')}</pre>"
        "</body></html>"
    ).encode()


class EchoingProvider(FakeOpenAIServer):
    """The OpenAI stand-in's server, with every answer an echoing error (its own handler serves both routes)."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.answered: list[tuple[str, int]] = []
        super().__init__()

    def answer(self, path: str, body: bytes, credentials: str) -> tuple[int, str, bytes]:
        with self._lock:
            digest = hashlib.sha256(path.encode() + body).hexdigest()
            self.attempts[digest] += 1
            attempt = self.attempts[digest]
            status = {1: 429, 2: 500}.get(attempt, 401)
            self.answered.append((path, status))
        html = (path == ROUTES[1]) != (status == 500)
        if html:
            return status, "text/html", _html_error(status, credentials)
        return status, "application/json", _json_error(status, credentials)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path not in ROUTES:
                    status, kind, payload = 404, "application/json", b'{"error": {"message": "no such route"}}'
                else:
                    status, kind, payload = provider.answer(self.path, body, self.headers.get("authorization", ""))
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(payload)))
                if status == 429:
                    self.send_header("retry-after", "0")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keeps test output quiet
                return

        return Handler
