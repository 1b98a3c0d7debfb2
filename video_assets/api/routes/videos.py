"""/v1/videos: submit, validate, status, list, events, outputs, cancel and retry, over the service functions."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from video_assets.api.deps import scoped, settings_of, store_of
from video_assets.api.materials import remote_material_problems
from video_assets.api.problems import Problem, refused
from video_assets.db.engine import session_scope
from video_assets.db.repository import TERMINAL_STATUSES, RequestNotFound
from video_assets.request_json import RequestRejected, load_request
from video_assets.request_schema import VideoRequestSpec
from video_assets.service import REQUEST_STATUSES, request_problems
from video_assets.service.idempotency import claim_key, record_answer, release_key
from video_assets.service.keys import Principal, tenant_limits
from video_assets.service.requests import (
    OutputNotFound,
    RequestRefused,
    StateConflict,
    cancel_request,
    output_key,
    page_requests,
    request_events,
    request_status,
    retry_request,
    submit_request,
)
from video_assets.service.usage import take
from video_assets.settings import Settings

router = APIRouter(prefix="/v1", tags=["videos"])
URL_SECONDS = 900  # presigned links are bearer credentials: short-lived, and the 302 route hands out fresh ones
RETRY_AFTER_SECONDS = 15  # the request sensor's interval
SPEC_BODY = {"required": True, "content": {"application/json": {"schema": VideoRequestSpec.model_json_schema()}}}
SSE_POLL_SECONDS = 0.5
SSE_MAX_SECONDS = 600


async def json_text(request: Request) -> str:
    """The body as text, after checking its type; the cap is enforced while it is read (middleware)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Problem(415, "Unsupported Media Type", f"send application/json, not {media_type or 'no content type'}")
    raw = await request.body()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, "Bad Request", f"the body is not UTF-8: {error}", [("", "not UTF-8")]) from None


JsonText = Annotated[str, Depends(json_text)]
Reader = Annotated[Principal, Depends(scoped("read"))]
Submitter = Annotated[Principal, Depends(scoped("submit"))]


def parse_spec(text: str) -> VideoRequestSpec:
    """The request as JSON and by the schema, and with only materials an HTTP client may name."""
    try:
        spec = load_request(text)
    except RequestRejected as rejected:
        whole = all(line.startswith("request: ") for line in rejected.problems)
        raise refused(400 if whole else 422, "Bad Request" if whole else "Invalid Request", rejected.problems) from None
    problems = remote_material_problems(spec)
    if problems:
        raise refused(422, "Invalid Request", problems)
    return spec


@router.post("/videos:validate", openapi_extra={"requestBody": SPEC_BODY})
def validate_video(request: Request, principal: Submitter, text: JsonText) -> dict[str, Any]:
    """A dry run of submit: the problems it would answer with, or none. Nothing is stored."""
    try:
        spec = parse_spec(text)
    except Problem as problem:
        return {"valid": False, "problems": problem.body().get("errors", [])}
    problems = refused(422, "", request_problems(spec, settings_of(request))).errors
    return {"valid": not problems, "problems": [{"pointer": p, "detail": d} for p, d in problems]}


@router.post("/videos", status_code=202, openapi_extra={"requestBody": SPEC_BODY})
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
    spec = parse_spec(text)
    with session_scope(settings.database_url.get_secret_value()) as session:
        try:
            submitted = submit_request(session, spec, settings, principal.tenant)
        except RequestRefused as refusal:
            raise refused(422, "Request Cannot Succeed", refusal.problems) from None
        if submitted.created:
            _charge_output_seconds(session, settings, principal.tenant, spec)
        request.state.target = submitted.request_id
        body = request_status(session, submitted.request_id)
    location = f"/v1/videos/{submitted.request_id}"
    return JSONResponse(body, status_code=202, headers={"Location": location, "Retry-After": str(RETRY_AFTER_SECONDS)})


def _charge_output_seconds(session: Session, settings: Settings, tenant: str, spec: VideoRequestSpec) -> None:
    """In the same transaction as the new row: refused, the row is never committed."""
    _, own_quota = tenant_limits(session, tenant)
    quota = own_quota if own_quota is not None else settings.api_daily_output_seconds
    cost = spec.video_count * spec.target_duration
    usage = take(session, tenant, "output_seconds", cost, quota, 86400, datetime.now(UTC))
    if not usage.allowed:
        raise Problem(
            429,
            "Daily Quota Exceeded",
            f"{cost:g} output seconds asked; {max(0.0, quota - usage.used):g} of {quota:g} left today (UTC)",
            [("/video_count", "lower video_count or target_duration"), ("/target_duration", "or wait for the reset")],
            headers={"Retry-After": str(usage.reset_seconds)},
        )


def _not_found(request_id: str) -> Problem:
    return Problem(404, "Not Found", f"no request with id {request_id!r}")


@router.get("/videos/{request_id}")
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
    status: Annotated[str | None, Query(max_length=200, description="comma-separated statuses")] = None,
    created_after: Annotated[datetime | None, Query()] = None,
) -> Response:
    statuses = [part.strip() for part in (status or "").split(",") if part.strip()]
    unknown = [name for name in statuses if name not in REQUEST_STATUSES]
    if unknown:
        raise Problem(
            400, "Bad Request", f"unknown status {', '.join(unknown)}", [("/status", f"known: {REQUEST_STATUSES}")]
        )
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            page, cursor = page_requests(session, principal.reads_as, statuses, created_after, after, limit)
    except RequestNotFound:
        raise Problem(400, "Bad Request", "the cursor names no request", [("/after", "unknown id")]) from None
    headers = {}
    if cursor:
        query = request.query_params.multi_items()
        kept = "&".join(f"{k}={v}" for k, v in query if k != "after")
        headers["Link"] = f'</v1/videos?{kept + "&" if kept else ""}after={cursor}>; rel="next"'
    return JSONResponse({"requests": page, "next": cursor}, headers=headers)


@router.get("/videos/{request_id}/events")
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


def _stream(url: str, request_id: str, after: int, tenant: str | None) -> Iterator[str]:
    deadline = time.monotonic() + SSE_MAX_SECONDS
    while time.monotonic() < deadline:
        with session_scope(url) as session:
            events = request_events(session, request_id, after, tenant)
            ended = request_status(session, request_id, tenant)["status"] in TERMINAL_STATUSES
        for event in events:
            after = event["id"]
            yield f"id: {event['id']}\nevent: {event['kind']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
        if ended and not events:
            return
        yield ": waiting\n\n"
        time.sleep(SSE_POLL_SECONDS)


@router.get("/videos/{request_id}/outputs/{variant}/{name}", status_code=302, response_class=RedirectResponse)
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


@router.post("/videos/{request_id}/cancel")
def cancel_video(request: Request, request_id: str, principal: Submitter) -> Response:
    """What `video-assets cancel` does to the request row; a run in flight stops itself at its next step."""
    return _act(request, request_id, principal, cancel_request)


@router.post("/videos/{request_id}/retry", status_code=202)
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
