"""Submit, status, events, outputs, cancel and retry: what every door (CLI, HTTP API, MCP) does to one request.

`tenant` scopes what a caller sees: None is every tenant (the CLI on the server, an admin key). A request of another
tenant is reported exactly like an unknown id, so ids leak nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from video_assets.db.models import LOCAL_TENANT, RenderedVideo, RequestEvent, VideoRequest
from video_assets.db.repository import (
    RequestNotFound,
    append_event,
    cancel,
    create_request,
    get_request,
)
from video_assets.db.request_fields import request_fields
from video_assets.request_schema import VideoRequestSpec
from video_assets.service.validation import request_problems
from video_assets.settings import Settings

# The stages in the order a run materializes them; a failed stage and those after it are what a retry runs.
STAGE_ORDER = ("media_items", "media_analyses", "video_scripts", "rendered_videos", "editable_exports")
WAITING = ("pending", "queued")
RETRYABLE = ("failed", "partial_success")


class RequestRefused(ValueError):
    """The request cannot succeed on this deployment; `problems` are `field: reason` lines. Nothing was stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class StateConflict(ValueError):
    """The request's status forbids the action; the message says which status and why."""


class OutputNotFound(LookupError):
    pass


@dataclass(frozen=True)
class RequestResume:
    """How the request sensor launches a claimed request: its run key, and the stages to run (None: all)."""

    run_key: str
    stages: list[str] | None


@dataclass(frozen=True)
class Submitted:
    request_id: str
    created: bool  # False: the tenant's idempotency key named an existing request, which is returned


def visible_request(session: Session, request_id: str, tenant: str | None) -> VideoRequest:
    request = session.get(VideoRequest, request_id)
    if request is None or (tenant is not None and request.tenant != tenant):
        raise RequestNotFound(f"no request with id {request_id!r}")
    return request


def submit_request(
    session: Session, spec: VideoRequestSpec, settings: Settings, tenant: str = LOCAL_TENANT
) -> Submitted:
    """Validate as submit always does, then store the request as `pending` for the request sensor to launch."""
    problems = request_problems(spec, settings)
    if problems:
        raise RequestRefused(problems)
    request_id, created = create_request(session, spec, tenant)
    return Submitted(request_id, created)


def cancel_request(session: Session, request_id: str, tenant: str | None = None) -> None:
    """Mark the request cancelled: no stage may start or finish it any more, no sensor tick launches it, and a run
    in flight stops itself at its next step or progress report (the CLI also asks Dagster to terminate it)."""
    visible_request(session, request_id, tenant)
    if not cancel(session, request_id, "cancelled by an operator"):
        raise StateConflict(f"request {request_id} has already ended: {get_request(session, request_id).status}")


def retry_refusal(request: VideoRequest, in_process: bool) -> str | None:
    """Why the request cannot be retried, or None. A cancelled request is never revived. Over HTTP only an ended
    request (failed, partial_success) goes back to the sensor; the operator's in-process `video-assets retry` may
    also resume a request whose run died (`processing`) or re-run a completed one."""
    if request.status == "cancelled":
        return f"request {request.id} was cancelled; submit it again to make it"
    if not in_process and request.status not in RETRYABLE:
        return f"request {request.id} is {request.status}; only a failed or partial_success request can be retried"
    return None


def retry_request(session: Session, request_id: str, tenant: str | None = None) -> list[str]:
    """Put an ended request back to `pending` for the request sensor, which relaunches it from the stage it
    stopped at (its `stage`); returns the stages the retry will run. Nothing is launched here."""
    request = visible_request(session, request_id, tenant)
    refusal = retry_refusal(request, in_process=False)
    if refusal:
        raise StateConflict(refusal)
    stages = resume_stages(request.stage)
    retries = session.scalar(
        select(func.count())
        .select_from(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind == "retry_requested")
    )
    request.status = "pending"
    request.run_key = f"{request_id}-retry{int(retries or 0) + 1}"
    request.error = None
    request.finished_at = None
    append_event(session, request_id, "retry_requested", f"retry requested from {stages[0]}", data={"stages": stages})
    return stages


def resume_stages(failed_stage: str | None) -> list[str]:
    """The stage a request stopped at and every stage after it; all of them when it stopped before any."""
    if failed_stage not in STAGE_ORDER:
        return list(STAGE_ORDER)
    return list(STAGE_ORDER[STAGE_ORDER.index(failed_stage) :])


def queue_position(session: Session, request: VideoRequest) -> int | None:
    """1 for the next request the sensor claims; None once the request has left the queue."""
    if request.status not in WAITING:
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(VideoRequest)
        .where(
            VideoRequest.status.in_(WAITING),
            or_(
                VideoRequest.created_at < request.created_at,
                and_(VideoRequest.created_at == request.created_at, VideoRequest.id < request.id),
            ),
        )
    )
    return int(ahead or 0) + 1


def variant_outputs(video: RenderedVideo) -> dict[str, str]:
    """Output name -> object key: `video`, `cover`, `cover.<platform>`, `subtitles.srt`, `subtitles.ass`."""
    named = {"video": video.video_key, "cover": video.cover_key, "subtitles.srt": video.srt_key}
    named["subtitles.ass"] = video.ass_key
    named |= {f"cover.{platform}": key for platform, key in (video.cover_keys or {}).items()}
    return {name: key for name, key in named.items() if key}


def request_status(session: Session, request_id: str, tenant: str | None = None) -> dict[str, Any]:
    """The request's state as JSON: status, stage, progress, queue position, attempts, error, and per variant its
    status and the object keys of its outputs."""
    request = visible_request(session, request_id, tenant)
    videos = session.scalars(
        select(RenderedVideo).where(RenderedVideo.request_id == request_id).order_by(RenderedVideo.variant_index)
    )
    return _status(session, request, list(videos))


def created_request_status(session: Session, request_id: str) -> dict[str, Any]:
    """`request_status` of a request created in this transaction: it has no variants yet, so none are read."""
    return _status(session, get_request(session, request_id), [])


def _status(session: Session, request: VideoRequest, videos: list[RenderedVideo]) -> dict[str, Any]:
    return {
        **request_fields(request),
        "queue_position": queue_position(session, request),
        "updated_at": _iso(request.updated_at),
        "finished_at": _iso(request.finished_at),
        "variants": [
            {
                "variant": video.variant_index,
                "status": video.status,
                "reason": video.reason,
                "duration": video.duration,
                "outputs": variant_outputs(video),
            }
            for video in videos
        ],
    }


def output_key(session: Session, request_id: str, variant: int, name: str, tenant: str | None = None) -> str:
    visible_request(session, request_id, tenant)
    video = session.scalar(
        select(RenderedVideo).where(RenderedVideo.request_id == request_id, RenderedVideo.variant_index == variant)
    )
    key = variant_outputs(video).get(name) if video else None
    if key is None:
        raise OutputNotFound(f"request {request_id} has no output {name!r} for variant {variant}")
    return key


def request_events(
    session: Session, request_id: str, after: int = 0, tenant: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """The request's events with an id above `after`, oldest first."""
    visible_request(session, request_id, tenant)
    rows = session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.id > after)
        .order_by(RequestEvent.id)
        .limit(limit)
    )
    return [
        {"id": e.id, "at": _iso(e.at), "kind": e.kind, "stage": e.stage, "message": e.message, "data": e.data}
        for e in rows
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def page_requests(
    session: Session,
    tenant: str | None,
    statuses: list[str],
    created_after: datetime | None,
    after_id: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, `limit` at a time; the second value is the cursor of the next page (None on the last)."""
    query = select(VideoRequest).order_by(VideoRequest.created_at.desc(), VideoRequest.id.desc()).limit(limit + 1)
    if tenant is not None:
        query = query.where(VideoRequest.tenant == tenant)
    if statuses:
        query = query.where(VideoRequest.status.in_(statuses))
    if created_after is not None:
        query = query.where(VideoRequest.created_at >= created_after)
    if after_id:
        last = visible_request(session, after_id, tenant)
        query = query.where(
            or_(
                VideoRequest.created_at < last.created_at,
                and_(VideoRequest.created_at == last.created_at, VideoRequest.id < last.id),
            )
        )
    rows = list(session.scalars(query))
    page = [
        {"id": r.id, "title": r.title, "status": r.status, "stage": r.stage, "created_at": _iso(r.created_at)}
        for r in rows[:limit]
    ]
    return page, (rows[limit - 1].id if len(rows) > limit else None)
