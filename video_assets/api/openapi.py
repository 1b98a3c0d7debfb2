"""What /openapi.json publishes beyond FastAPI's own: the request schema's models as components (pydantic nests them
under `$defs`, which OpenAPI tools cannot resolve in a request body), and no FastAPI `HTTPValidationError` 422: a
malformed parameter is answered with a 400 problem (app.py), and each route documents the problems it answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from video_assets.request_schema import VideoRequestSpec

_SPEC = VideoRequestSpec.model_json_schema(ref_template="#/components/schemas/{model}")
REQUEST_SCHEMAS: dict[str, Any] = {**_SPEC.pop("$defs", {}), "VideoRequestSpec": _SPEC}
SPEC_REF = {"$ref": "#/components/schemas/VideoRequestSpec"}
FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """An `openapi_extra` request body for routes that read the raw JSON themselves (to refuse duplicate keys, NUL
    and NaN that FastAPI's own parsing lets through)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def publish_schema(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI caches it; the edits below are idempotent
        for operations in schema["paths"].values():
            for operation in operations.values():
                answer = operation["responses"].get("422", {})
                if answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref") == (
                    FASTAPI_VALIDATION
                ):
                    del operation["responses"]["422"]
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        components.update(REQUEST_SCHEMAS)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
