"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, for tests only.

Tests queue the responses it will give (status, body, headers), or give it a responder that answers each request
the way a model would, and read back the requests it received and the statuses it answered with.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ScriptedResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    drip_seconds: float = 0.0  # > 0: the body is sent one byte per `drip_seconds`, as a hung proxy might


def dripping(response: ScriptedResponse, seconds: float) -> ScriptedResponse:
    """`response`, with its body sent one byte every `seconds` (about as long as never ending, for a test)."""
    return ScriptedResponse(response.status, response.body, response.headers, drip_seconds=seconds)


def with_usage(response: ScriptedResponse, total_tokens: int) -> ScriptedResponse:
    """`response` reporting `total_tokens` of usage, whatever the call really cost."""
    usage = {"prompt_tokens": 0, "completion_tokens": total_tokens, "total_tokens": total_tokens}
    return ScriptedResponse(response.status, {**response.body, "usage": usage}, response.headers)


def chat_reply(content: str) -> ScriptedResponse:
    """A 200 chat completion whose assistant message is `content`."""
    return ScriptedResponse(
        200,
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": "fake-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
        },
    )


def json_reply(payload: dict[str, Any]) -> ScriptedResponse:
    return chat_reply(json.dumps(payload, ensure_ascii=False))


def error_reply(status: int, message: str, retry_after: str | None = None) -> ScriptedResponse:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return ScriptedResponse(status, {"error": {"message": message, "type": "fake_error", "code": status}}, headers)


Responder = Callable[[dict[str, Any]], ScriptedResponse]


def message_text(request: dict[str, Any], role: str) -> str:
    """The text of the first `role` message of a received request (image parts left out)."""
    content = next(message["content"] for message in request["json"]["messages"] if message["role"] == role)
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


class FakeOpenAIServer:
    """Queued responses are served first, in order; then the responder, if any, answers; else a 500. The responder
    runs under the server's lock, so it may keep state across concurrent requests."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.responses: list[ScriptedResponse] = []
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def queue(self, *responses: ScriptedResponse) -> None:
        with self._lock:
            self.responses.extend(responses)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, request: dict[str, Any]) -> ScriptedResponse:
        with self._lock:
            self.requests.append(request)
            if self.responses:
                scripted = self.responses.pop(0)
            elif self.responder is not None:
                scripted = self.responder(request)
            else:
                scripted = error_reply(500, "fake server: no scripted response left")
            self.statuses.append(scripted.status)
        return scripted

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != "/v1/chat/completions":
                    scripted = error_reply(404, f"fake server: unknown path {self.path}")
                else:
                    scripted = fake._next({"path": self.path, "headers": dict(self.headers), "json": body})
                payload = json.dumps(scripted.body).encode()
                self.send_response(scripted.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in scripted.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if scripted.drip_seconds <= 0:
                    self.wfile.write(payload)
                    return
                try:
                    for index in range(len(payload)):
                        self.wfile.write(payload[index : index + 1])
                        self.wfile.flush()
                        time.sleep(scripted.drip_seconds)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up on the drip: the scenario, not a bug

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keeps test output quiet
                return

        return Handler
