"""One ASGI layer around every route: a call id, the body cap (413 before the body is read whole), the tenant's
RateLimit headers on every answer, and an audit row for every call that changes something."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from video_assets.api.problems import Problem
from video_assets.db.api_models import AuditEntry
from video_assets.db.engine import autocommit_scope
from video_assets.service.keys import Principal

CALL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLarge(Exception):
    """A body sent without Content-Length (chunked) passed the cap while it was read: the app answers 413."""


class ApiLayer:
    def __init__(self, app: ASGIApp, max_body_bytes: int, database_url: str) -> None:
        self.app, self.max_body_bytes, self.database_url = app, max_body_bytes, database_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        given = headers.get("x-request-id", "")
        call_id = given if CALL_ID.match(given) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._send_problem(send, call_id, self._too_large())
            return
        seen = {"bytes": 0, "status": 0, "audited": False}

        async def audit_once() -> None:
            # Written before the answer leaves, so a client that reads the audit trail after its answer finds the row.
            if seen["audited"] or scope["method"] not in CHANGES or not isinstance(state.get("principal"), Principal):
                return
            seen["audited"] = True
            await run_in_threadpool(self._audit, scope, state, call_id, int(seen["status"]))

        async def capped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                await audit_once()
                extra = {"X-Request-Id": call_id, **state.get("rate_headers", {})}
                message["headers"] = list(message.get("headers", [])) + [
                    (name.encode("latin-1"), value.encode("latin-1")) for name, value in extra.items()
                ]
            await send(message)

        try:
            await self.app(scope, capped_receive, tagged_send)
        finally:
            await audit_once()

    def _too_large(self) -> Problem:
        return too_large(self.max_body_bytes)

    async def _send_problem(self, send: Send, call_id: str, problem: Problem) -> None:
        response = problem.response()
        response.headers["X-Request-Id"] = call_id
        response.headers["Connection"] = "close"
        await response({"type": "http"}, _no_body, send)

    def _audit(self, scope: Scope, state: dict[str, Any], call_id: str, status: int) -> None:
        principal: Principal = state["principal"]
        route = scope.get("route")
        with autocommit_scope(self.database_url) as session:  # one INSERT: no BEGIN and COMMIT round trips
            session.add(
                AuditEntry(
                    tenant=principal.tenant,
                    key_prefix=principal.prefix,
                    method=scope["method"],
                    route=getattr(route, "path", scope["path"]),
                    call_id=call_id,
                    target=state.get("target") or scope.get("path_params", {}).get("request_id"),
                    status_code=status,
                    outcome=state.get("outcome") or ("ok" if status < 400 else f"refused with {status}"),
                )
            )


def too_large(max_body_bytes: int) -> Problem:
    return Problem(413, "Content Too Large", f"the body is over the {max_body_bytes} byte limit")


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
