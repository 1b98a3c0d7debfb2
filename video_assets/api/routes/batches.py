"""/v1/batches: up to 50 requests in one call, each validated and stored on its own (one refused item never
refuses the others), and the batch rolled up by id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from video_assets.api.deps import scoped, settings_of
from video_assets.api.intake import JsonText, charge_output_seconds, checked_spec, parsed_json, store_request
from video_assets.api.openapi import SPEC_REF, json_body
from video_assets.api.problems import Problem, problem_responses
from video_assets.db.engine import session_scope
from video_assets.request_json import MAX_JSON_DEPTH
from video_assets.service.batches import MAX_BATCH_ITEMS, BatchNotFound, batch_rollup, open_batch, record_item
from video_assets.service.keys import Principal

router = APIRouter(prefix="/v1", tags=["batches"], responses=problem_responses(400, 401, 403, 413, 429))
BATCH_SCHEMA = {
    "type": "object",
    "required": ["requests"],
    "additionalProperties": False,
    "properties": {"requests": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH_ITEMS, "items": SPEC_REF}},
}


def batch_items(raw: Any) -> list[Any]:
    """The `requests` array of a batch body; the body's own shape is refused as a whole, its items one by one."""
    if not isinstance(raw, dict):
        detail = f"a batch is a JSON object, not {type(raw).__name__}"
        raise Problem(400, "Bad Request", detail, [("", detail)])
    unknown = [(member(key), "not a batch field; give `requests` alone") for key in raw if key != "requests"]
    items = raw.get("requests")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH_ITEMS:
        unknown.append(("/requests", f"an array of 1 to {MAX_BATCH_ITEMS} requests"))
    if unknown:
        raise Problem(422, "Invalid Batch", "; ".join(detail for _, detail in unknown), unknown)
    return items


def member(key: str) -> str:
    """The JSON pointer (RFC 6901) of a top-level member, whatever its name."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


def item_problem(problem: Problem, position: int) -> dict[str, Any]:
    """The item's problem, its pointers made absolute in the batch body."""
    body = problem.body()
    for error in body.get("errors", []):
        error["pointer"] = f"/requests/{position}{error['pointer']}"
    return body


@router.post("/batches", status_code=202, openapi_extra=json_body(BATCH_SCHEMA), responses=problem_responses(415, 422))
def submit_batch(
    request: Request, principal: Annotated[Principal, Depends(scoped("submit"))], text: JsonText
) -> JSONResponse:
    """202 with the batch: per item, the id of the request it became or the problem it was refused with."""
    items = batch_items(parsed_json(text, MAX_JSON_DEPTH + 2))  # each item may nest as deep as one request
    settings = settings_of(request)
    with session_scope(settings.database_url.get_secret_value()) as session:
        batch_id = open_batch(session, principal.tenant)
        for position, raw in enumerate(items):
            try:
                spec = checked_spec(raw, principal.tenant, settings)
                with session.begin_nested():  # a quota refusal rolls back this item's row alone
                    stored = store_request(session, settings, principal.tenant, spec)
                    charge_output_seconds(session, settings, principal, spec, stored)
                record_item(session, batch_id, position, stored.request_id, None)
            except Problem as problem:
                record_item(session, batch_id, position, None, item_problem(problem, position))
        request.state.target = batch_id
        body = batch_rollup(session, batch_id)
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/batches/{batch_id}"})


@router.get("/batches/{batch_id}", responses=problem_responses(404))
def get_batch(
    request: Request, batch_id: str, principal: Annotated[Principal, Depends(scoped("read"))]
) -> dict[str, Any]:
    """The batch rolled up: its requests' statuses now, counted per status, and the problems of refused items."""
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            return batch_rollup(session, batch_id, principal.reads_as)
    except BatchNotFound as missing:
        raise Problem(404, "Not Found", str(missing)) from None
