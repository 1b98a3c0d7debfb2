"""/v1/videos: submit, validate, status, list, events, outputs, cancel and retry, over the service functions."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from video_assets.api.deps import scoped, settings_of, store_of
from video_assets.api.intake import JsonText, charge_output_seconds, checked_spec, parsed_json, store_request
from video_assets.api.openapi import SPEC_REF, json_body
from video_assets.api.problems import Problem, problem_responses, refused
from video_assets.db.engine import session_scope
from video_assets.db.repository import TERMINAL_STATUSES, RequestNotFound
from video_assets.request_json import MAX_JSON_DEPTH
from video_assets.request_schema import VideoRequestSpec
from video_assets.service import REQUEST_STATUSES, request_problems
from video_assets.service.idempotency import claim_key, record_answer, release_key
from video_assets.service.keys import Principal
from video_assets.service.requests import (
    OutputNotFound,
    StateConflict,
    cancel_request,
    created_request_status,
    output_key,
    page_requests,
    request_events,
    request_status,
    retry_request,
)

router = APIRouter(prefix="/v1", tags=["videos"], responses=problem_responses(400, 401, 403, 413, 429))
URL_SECONDS = 900  # presigned links are bearer credentials: short-lived, and the 302 route hands out fresh ones
RETRY_AFTER_SECONDS = 15  # the request sensor's interval
SPEC_BODY = json_body(SPEC_REF)
UNKNOWN = problem_responses(404)
DATE_TIME = {"format": "date-time"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")
# Published in /openapi.json; list_videos refuses anything else with the known statuses.
STATUS_FILTER = "^({0})(,({0}))*$".format("|".join(REQUEST_STATUSES))
SSE_POLL_SECONDS = 0.5
SSE_MAX_SECONDS = 600


Reader = Annotated[Principal, Depends(scoped("read"))]
Submitter = Annotated[Principal, Depends(scoped("submit"))]


def parse_spec(request: Request, principal: Principal, text: str) -> VideoRequestSpec:
    return checked_spec(parsed_json(text, MAX_JSON_DEPTH), principal.tenant, settings_of(request))


@router.post("/videos:validate", openapi_extra=SPEC_BODY, responses=problem_responses(415))
def validate_video(request: Request, principal: Submitter, text: JsonText) -> dict[str, Any]:
    """A dry run of submit: the problems it would answer with, or none. Nothing is stored."""
    try:
        spec = parse_spec(request, principal, text)
    except Problem as problem:
        if problem.status != 422:  # not a request at all (not JSON, not an object): refused as submit refuses it
            raise
        return {"valid": False, "problems": problem.body().get("errors", [])}
    problems = refused(422, "", request_problems(spec, settings_of(request))).errors
    return {"valid": not problems, "problems": [{"pointer": p, "detail": d} for p, d in problems]}


@router.post("/videos", status_code=202, openapi_extra=SPEC_BODY, responses=problem_responses(409, 415, 422))
def submit_video(
    request: Request,
    principal: Submitter,
    text: JsonText,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Store the request as pending for the request sensor; 202 with its Location."""
    url = settings_of(request).database_url.get_secret_value()
    if idempotency_key is None:
        return _submitted(request, principal, text)
    body_sha256 = hashlib.sha256(text.encode()).hexdigest()
    with session_scope(url) as session:
        earlier = claim_key(session, principal.tenant, idempotency_key, body_sha256)
    if earlier is not None:
        if earlier.body_sha256 != body_sha256:
            raise Problem(422, "Idempotency Key Reused", "this Idempotency-Key was used with another body")
        if earlier.state != "done":
            raise Problem(409, "Conflict", "the first call with this Idempotency-Key is still being handled")
        headers = {**(earlier.headers or {}), "Idempotent-Replayed": "true"}
        media_type = headers.pop("Content-Type", "application/json")
        return Response(json.dumps(earlier.body), earlier.status_code or 200, headers, media_type=media_type)
    try:
        answer = _submitted(request, principal, text)
    except Problem as problem:
        with session_scope(url) as session:
            if problem.status == 429:
                release_key(session, principal.tenant, idempotency_key)
            else:
                headers = {"Content-Type": "application/problem+json", **problem.headers}
                record_answer(session, principal.tenant, idempotency_key, problem.status, headers, problem.body())
        raise
    except Exception:
        with session_scope(url) as session:
            release_key(session, principal.tenant, idempotency_key)
        raise
    with session_scope(url) as session:
        headers = {name: answer.headers[name] for name in ("Location", "Retry-After")}
        record_answer(session, principal.tenant, idempotency_key, 202, headers, json.loads(answer.body))
    return answer


def _submitted(request: Request, principal: Principal, text: str) -> JSONResponse:
    settings = settings_of(request)
    spec = parse_spec(request, principal, text)
    with session_scope(settings.database_url.get_secret_value()) as session:
        submitted = store_request(session, settings, principal.tenant, spec)
        request.state.target = submitted.request_id
        status = created_request_status if submitted.created else request_status
        body = status(session, submitted.request_id)
        charge_output_seconds(session, settings, principal, spec, submitted)
    location = f"/v1/videos/{submitted.request_id}"
    return JSONResponse(body, status_code=202, headers={"Location": location, "Retry-After": str(RETRY_AFTER_SECONDS)})


def _not_found(request_id: str) -> Problem:
    return Problem(404, "Not Found", f"no request with id {request_id!r}")


@router.get("/videos/{request_id}", responses={**UNKNOWN, 304: {"description": "Not Modified"}})
def get_video(
    request: Request,
    request_id: str,
    principal: Reader,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Status, stage, progress, queue position, attempts, the error as a problem, and each variant's outputs with
    fresh presigned URLs."""
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            status = request_status(session, request_id, principal.reads_as)
    except RequestNotFound:
        raise _not_found(request_id) from None
    etag = '"' + hashlib.sha256(json.dumps(status, sort_keys=True).encode()).hexdigest()[:32] + '"'
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(_with_links(request, status), headers={"ETag": etag})


def _with_links(request: Request, status: dict[str, Any]) -> dict[str, Any]:
    store = store_of(request)
    expires = (datetime.now(UTC) + timedelta(seconds=URL_SECONDS)).isoformat()
    if status["error"]:
        status["problem"] = {"type": "about:blank", "title": f"request {status['status']}", "detail": status["error"]}
    for variant in status["variants"]:
        base = f"/v1/videos/{status['id']}/outputs/{variant['variant']}"
        variant["outputs"] = {
            name: {"href": f"{base}/{name}", "url": store.url(key, expires_in=URL_SECONDS), "expires_at": expires}
            for name, key in variant["outputs"].items()
        }
    return status


@router.get("/videos")
def list_videos(
    request: Request,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[str | None, Query(max_length=64, description="the last id of the previous page")] = None,
    status: Annotated[
        str | None,
        Query(max_length=200, description="comma-separated statuses", json_schema_extra={"pattern": STATUS_FILTER}),
    ] = None,
    created_after: Annotated[
        str | None, Query(max_length=40, description="RFC 3339, with its offset", json_schema_extra=DATE_TIME)
    ] = None,
) -> Response:
    statuses = status.split(",") if status is not None else []
    since = utc_moment("created_after", created_after) if created_after is not None else None
    unknown = [name for name in statuses if name not in REQUEST_STATUSES]
    if unknown:
        raise Problem(
            400, "Bad Request", f"unknown status {', '.join(unknown)}", [("/status", f"known: {REQUEST_STATUSES}")]
        )
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            page, cursor = page_requests(session, principal.reads_as, statuses, since, after, limit)
    except RequestNotFound:
        raise Problem(400, "Bad Request", "the cursor names no request", [("/after", "unknown id")]) from None
    headers = {}
    if cursor:
        query = request.query_params.multi_items()
        kept = "&".join(f"{k}={v}" for k, v in query if k != "after")
        headers["Link"] = f'</v1/videos?{kept + "&" if kept else ""}after={cursor}>; rel="next"'
    return JSONResponse({"requests": page, "next": cursor}, headers=headers)


def utc_moment(field: str, text: str) -> datetime:
    """An RFC 3339 date-time as UTC (the database compares in UTC); anything else, a number included (which FastAPI
    would take as a Unix time), is a 400 problem naming the field."""
    try:
        if not RFC3339.match(text):
            raise ValueError(text)
        return datetime.fromisoformat(text.upper()).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset that moves year 1 or 9999 out of range
        example = "give an RFC 3339 date-time such as 2026-01-31T08:00:00Z"
        raise Problem(400, "Bad Request", f"{field}: {example}", [(f"/{field}", example)]) from None


@router.get("/videos/{request_id}/events", responses={**UNKNOWN, 200: {"content": {"text/event-stream": {}}}})
def video_events(
    request: Request,
    request_id: str,
    principal: Reader,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    accept: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    """The request's events after `after` as JSON, or as Server-Sent Events for `Accept: text/event-stream`
    (resuming from `Last-Event-ID`) until the request ends."""
    url = settings_of(request).database_url.get_secret_value()
    try:
        with session_scope(url) as session:
            events = request_events(session, request_id, after, principal.reads_as)
    except RequestNotFound:
        raise _not_found(request_id) from None
    if "text/event-stream" not in (accept or ""):
        return JSONResponse({"events": events})
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    return StreamingResponse(_stream(url, request_id, start, principal.reads_as), media_type="text/event-stream")


async def _stream(url: str, request_id: str, after: int, tenant: str | None) -> AsyncIterator[str]:
    """Polls on a handler thread and waits between polls on the event loop: an open stream holds no thread."""

    def poll(after: int) -> tuple[list[dict[str, Any]], bool]:
        with session_scope(url) as session:
            events = request_events(session, request_id, after, tenant)
            return events, request_status(session, request_id, tenant)["status"] in TERMINAL_STATUSES

    deadline = time.monotonic() + SSE_MAX_SECONDS
    while time.monotonic() < deadline:
        events, ended = await run_in_threadpool(poll, after)
        for event in events:
            after = event["id"]
            yield f"id: {event['id']}\nevent: {event['kind']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
        if ended and not events:
            return
        yield ": waiting\n\n"
        await anyio.sleep(SSE_POLL_SECONDS)


@router.get(
    "/videos/{request_id}/outputs/{variant}/{name}", status_code=302, response_class=RedirectResponse, responses=UNKNOWN
)
def video_output(request: Request, request_id: str, variant: int, name: str, principal: Reader) -> RedirectResponse:
    """302 to a fresh presigned URL of `video`, `cover`, `cover.<platform>`, `subtitles.srt` or `subtitles.ass`."""
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            key = output_key(session, request_id, variant, name, principal.reads_as)
    except RequestNotFound:
        raise _not_found(request_id) from None
    except OutputNotFound as missing:
        raise Problem(404, "Not Found", str(missing)) from None
    return RedirectResponse(store_of(request).url(key, expires_in=URL_SECONDS), status_code=302)


@router.post("/videos/{request_id}/cancel", responses=problem_responses(404, 409))
def cancel_video(request: Request, request_id: str, principal: Submitter) -> Response:
    """What `video-assets cancel` does to the request row; a run in flight stops itself at its next step."""
    return _act(request, request_id, principal, cancel_request)


@router.post("/videos/{request_id}/retry", status_code=202, responses=problem_responses(404, 409))
def retry_video(request: Request, request_id: str, principal: Submitter) -> Response:
    """Back to pending for the request sensor, from the stage it stopped at."""
    return _act(request, request_id, principal, retry_request, 202)


def _act(request: Request, request_id: str, principal: Principal, action: Any, status_code: int = 200) -> Response:
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            action(session, request_id, principal.reads_as)
            body = request_status(session, request_id)
    except RequestNotFound:
        raise _not_found(request_id) from None
    except StateConflict as conflict:
        raise Problem(409, "Conflict", str(conflict), [("/status", str(conflict))]) from None
    return JSONResponse(body, status_code=status_code)
