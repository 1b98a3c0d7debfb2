"""Request lifecycle: the only place that writes `video_requests` and `request_events`."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from video_assets.db.models import LOCAL_TENANT, DeadLetter, RequestEvent, VideoRequest, utcnow
from video_assets.request_schema import VideoRequestSpec
from video_assets.tracing import start_request_trace
from video_assets.webhooks import outbox

TERMINAL_STATUSES = frozenset({"completed", "partial_success", "failed", "cancelled"})


class RequestNotFound(LookupError):
    pass


class RequestCancelled(RuntimeError):
    """An operator cancelled the request; no stage may start or finish it any more."""


def new_request_id() -> str:
    return f"req_{utcnow():%Y%m%d}_{secrets.token_hex(5)}"


def create_request(session: Session, spec: VideoRequestSpec, tenant: str = LOCAL_TENANT) -> tuple[str, bool]:
    """Insert a pending request of `tenant`; the same idempotency key from the same tenant returns the existing id.
    Returns (id, created)."""
    if spec.idempotency_key:
        existing = _id_for_key(session, tenant, spec.idempotency_key)
        if existing:
            return existing, False
    request_id = new_request_id()
    request = VideoRequest(
        id=request_id,
        tenant=tenant,
        idempotency_key=spec.idempotency_key,
        title=spec.title,
        spec=spec.model_dump(mode="json"),
        status="pending",
        # Every door creates requests here (service.submit_request, feeds), so every request starts its trace here.
        trace_context=start_request_trace(request_id),
    )
    if spec.idempotency_key:
        try:
            with session.begin_nested():  # another call with the same key may insert first: its id is returned
                session.add(request)
                session.flush()
        except IntegrityError:
            existing = _id_for_key(session, tenant, spec.idempotency_key)
            if existing is None:
                raise
            return existing, False
    else:
        session.add(request)
        session.flush()
    append_event(session, request.id, "submitted", "request submitted")
    outbox.request_changed(session, request, "video.accepted")
    return request.id, True


def _id_for_key(session: Session, tenant: str, key: str) -> str | None:
    return session.scalar(
        select(VideoRequest.id).where(VideoRequest.tenant == tenant, VideoRequest.idempotency_key == key)
    )


def get_request(session: Session, request_id: str) -> VideoRequest:
    request = session.get(VideoRequest, request_id)
    if request is None:
        raise RequestNotFound(f"no request with id {request_id!r}")
    return request


def load_spec(session: Session, request_id: str) -> VideoRequestSpec:
    return VideoRequestSpec.model_validate(get_request(session, request_id).spec)


@dataclass(frozen=True)
class SensorCursor:
    created_at: datetime | None = None
    request_id: str = ""


def claimable_requests(session: Session, cursor: SensorCursor, claimer: str, limit: int) -> list[VideoRequest]:
    """Pending rows, plus rows this claimer queued past the cursor (a failed tick is replayed, never lost)."""
    return list(session.scalars(claimable_requests_query(cursor, claimer, limit)))


def claimable_requests_query(cursor: SensorCursor, claimer: str, limit: int) -> Select[tuple[VideoRequest]]:
    """The request sensor's query every tick (bench/sensor_bench.py explains its plan)."""
    past_cursor = (
        tuple_(VideoRequest.created_at, VideoRequest.id) > tuple_(cursor.created_at, cursor.request_id)
        if cursor.created_at is not None
        else True
    )
    return (
        select(VideoRequest)
        .where(
            or_(
                VideoRequest.status == "pending",
                and_(VideoRequest.status == "queued", VideoRequest.claimed_by == claimer, past_cursor),
            )
        )
        .order_by(VideoRequest.created_at, VideoRequest.id)
        .limit(limit)
    )


def mark_queued(session: Session, request_id: str, run_key: str, claimer: str) -> bool:
    """pending -> queued, only if still pending; False means someone else claimed it."""
    result = session.execute(
        update(VideoRequest)
        .where(VideoRequest.id == request_id, VideoRequest.status == "pending")
        .values(status="queued", run_key=run_key, claimed_by=claimer, updated_at=utcnow())
    )
    claimed = result.rowcount == 1  # type: ignore[attr-defined]
    if claimed:
        append_event(session, request_id, "queued", f"queued by {claimer}", data={"run_key": run_key})
    return claimed


def start_stage(session: Session, request_id: str, stage: str, run_id: str | None = None) -> None:
    ensure_not_cancelled(session, request_id)
    request = get_request(session, request_id)
    began, previous_stage = request.status != "processing", request.stage
    if began:
        request.attempts += 1
        request.started_at = request.started_at or utcnow()
    request.status = "processing"
    request.stage = stage
    request.error = None
    request.finished_at = None
    if run_id:
        request.dagster_run_id = run_id
    append_event(session, request_id, "stage_started", f"{stage} started", stage=stage, data={"run_id": run_id})
    if began:
        outbox.request_changed(session, request, "video.started")
    elif previous_stage and previous_stage != stage:
        outbox.request_changed(session, request, "video.stage_completed", stage=previous_stage)


def ensure_not_cancelled(session: Session, request_id: str) -> None:
    request = get_request(session, request_id)
    if request.status == "cancelled":
        raise RequestCancelled(f"request {request_id} was cancelled: {request.error or 'by an operator'}")


def set_progress(session: Session, request_id: str, stage: str, progress: float) -> None:
    session.execute(
        update(VideoRequest)
        .where(VideoRequest.id == request_id)
        .values(stage=stage, progress=max(0.0, min(1.0, progress)), updated_at=utcnow())
    )


def finish(session: Session, request_id: str, status: str, error: str | None = None) -> None:
    if status not in TERMINAL_STATUSES:
        raise ValueError(f"{status!r} is not a terminal status")
    request = get_request(session, request_id)
    if request.status == "cancelled":
        return  # a step that was already running when the request was cancelled must not revive it
    request.status = status
    request.error = error
    request.finished_at = utcnow()
    if status == "completed":
        request.progress = 1.0
    append_event(session, request_id, status, error or status, stage=request.stage)
    outbox.request_ended(session, request)
    if status in ("completed", "partial_success"):
        # Whatever re-ran it (CLI retry, a UI backfill or re-execution, the sensor), the request's letters are done.
        resolve_dead_letters(session, request_id)


def fail(session: Session, request_id: str, stage: str, error: str) -> None:
    get_request(session, request_id).stage = stage
    finish(session, request_id, "failed", error)


def record_dead_letter(session: Session, request_id: str, run_id: str, stage: str, error: str) -> None:
    """Once per (request, run, stage). A stage that already recorded its own reason keeps it: that reason says
    more than the run's generic failure message."""
    request = get_request(session, request_id)
    ended = request.status in TERMINAL_STATUSES
    reason = request.error if ended and request.error else error
    exists = session.scalar(
        select(DeadLetter.id).where(
            DeadLetter.request_id == request_id, DeadLetter.run_id == run_id, DeadLetter.stage == stage
        )
    )
    if exists is None:
        session.add(DeadLetter(request_id=request_id, run_id=run_id, stage=stage, error=reason))
    if not ended:  # a request its stages already ended (failed, or partial_success with a lost variant) stays so
        fail(session, request_id, stage, reason)


def cancel(session: Session, request_id: str, reason: str) -> bool:
    """Mark a request cancelled; False when it had already ended."""
    request = get_request(session, request_id)
    if request.status in TERMINAL_STATUSES:
        return False
    finish(session, request_id, "cancelled", reason)
    return True


def list_dead_letters(session: Session, include_resolved: bool = False) -> list[DeadLetter]:
    query = select(DeadLetter).order_by(DeadLetter.id)
    if not include_resolved:
        query = query.where(DeadLetter.resolved_at.is_(None))
    return list(session.scalars(query))


def resolve_dead_letters(session: Session, request_id: str) -> int:
    """Mark the request's open dead letters resolved, once a retry has completed it; returns how many."""
    result = session.execute(
        update(DeadLetter)
        .where(DeadLetter.request_id == request_id, DeadLetter.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    count = result.rowcount  # type: ignore[attr-defined]
    if count:
        run_id = get_request(session, request_id).dagster_run_id
        append_event(
            session,
            request_id,
            "dead_letter_resolved",
            f"{count} dead letter(s) resolved: run {run_id} finished the request",
            data={"run_id": run_id},
        )
    return count


def note_run_started(session: Session, request_id: str, run_id: str, message: str, data: dict[str, Any]) -> None:
    """One `run_started` event per run, naming what launched it; the run's steps all call this, concurrently in a
    resumed run, so a twin insert that loses the race on the unique dedupe key is simply dropped."""
    try:
        with session.begin_nested():
            append_event(session, request_id, "run_started", message, data=data, dedupe_key=f"run_started:{run_id}")
            session.flush()
    except IntegrityError:
        pass  # another step of the same run wrote it first


def append_event(
    session: Session,
    request_id: str,
    kind: str,
    message: str,
    stage: str | None = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> None:
    if dedupe_key and session.scalar(select(RequestEvent.id).where(RequestEvent.dedupe_key == dedupe_key)):
        return
    session.add(
        RequestEvent(
            request_id=request_id, kind=kind, stage=stage, message=message, data=data or {}, dedupe_key=dedupe_key
        )
    )


def find_requests(
    session: Session, statuses: Collection[str] = (), since: datetime | None = None, limit: int | None = None
) -> list[VideoRequest]:
    """Requests newest first, only those in `statuses` (all when empty) and created at or after `since`."""
    query = select(VideoRequest).order_by(VideoRequest.created_at.desc(), VideoRequest.id.desc()).limit(limit)
    if statuses:
        query = query.where(VideoRequest.status.in_(statuses))
    if since is not None:
        query = query.where(VideoRequest.created_at >= since)
    return list(session.scalars(query))


def count_requests_by_status(session: Session, since: datetime | None = None) -> dict[str, int]:
    """How many requests are in each status, of those created at or after `since`."""
    query = select(VideoRequest.status, func.count()).group_by(VideoRequest.status)
    if since is not None:
        query = query.where(VideoRequest.created_at >= since)
    return {status: count for status, count in session.execute(query)}


def list_events(session: Session, request_id: str) -> list[RequestEvent]:
    return list(
        session.scalars(select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id))
    )
