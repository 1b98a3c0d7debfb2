"""RFC 9457 problem details: every error the API answers, with a JSON pointer to each field at fault."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

PROBLEM_TYPE = "application/problem+json"
# What every problem body looks like, for /openapi.json: clients (and schemathesis) check answers against it.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}


class Problem(Exception):
    """An answer other than success. `errors` are (pointer, detail) pairs."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = [{"pointer": pointer, "detail": detail} for pointer, detail in self.errors]
        return body

    def response(self) -> Response:
        return problem_response(self.status, self.body(), self.headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entries of problems a route may answer with."""
    content = {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}}
    return {status: {"description": HTTPStatus(status).phrase, "content": content} for status in statuses}


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def pointer(field: str) -> str:
    """`materials.0.uri` -> `/materials/0/uri`; `request` (the whole body) -> `` (RFC 6901's whole document)."""
    if field in ("request", ""):
        return ""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in field.split("."))


def field_errors(problems: list[str]) -> list[tuple[str, str]]:
    """`field: reason` lines, as submit reports them everywhere, as (pointer, reason) pairs."""
    pairs = []
    for line in problems:
        field, _, reason = line.partition(": ")
        pairs.append((pointer(field), reason or line))
    return pairs


def refused(status: int, title: str, problems: list[str]) -> Problem:
    return Problem(status, title, "; ".join(problems), field_errors(problems))
