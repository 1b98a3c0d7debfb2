"""Queries and updates for housekeeping: which requests are long finished, unknown or stuck, and failing the stuck."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from video_assets.db.models import MERGE_JOB_OPEN_STATES, MergeJob, VideoRequest
from video_assets.db.repository import TERMINAL_STATUSES, record_dead_letter

STUCK_STATUSES = ("queued", "processing")
# Keeps IN (...) lists well under SQLite's bound-parameter limit.
CHUNK = 500


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def known_requests(session: Session, request_ids: Collection[str]) -> set[str]:
    """The ids among `request_ids` that have a row."""
    known: set[str] = set()
    for chunk in _chunks(request_ids):
        known.update(session.scalars(select(VideoRequest.id).where(VideoRequest.id.in_(chunk))))
    return known


def finished_before(session: Session, request_ids: Collection[str], cutoff: datetime) -> set[str]:
    """The ids among `request_ids` whose request is terminal and finished before `cutoff`."""
    finished: set[str] = set()
    for chunk in _chunks(request_ids):
        finished.update(
            session.scalars(
                select(VideoRequest.id).where(
                    VideoRequest.id.in_(chunk),
                    VideoRequest.status.in_(TERMINAL_STATUSES),
                    VideoRequest.finished_at < cutoff,
                )
            )
        )
    return finished


def _stuck(updated_before: datetime) -> ColumnElement[bool]:
    merge_in_flight = exists().where(MergeJob.request_id == VideoRequest.id, MergeJob.state.in_(MERGE_JOB_OPEN_STATES))
    return and_(
        VideoRequest.status.in_(STUCK_STATUSES),
        VideoRequest.updated_at < updated_before,
        ~merge_in_flight,
    )


def stuck_requests(session: Session, updated_before: datetime) -> list[str]:
    """Queued or processing requests not updated since `updated_before` and not waiting on an external merge,
    oldest first. Whether a run is still working on them is the caller's question: Dagster knows, we do not."""
    query = select(VideoRequest.id).where(_stuck(updated_before)).order_by(VideoRequest.updated_at, VideoRequest.id)
    return list(session.scalars(query))


def fail_stuck_request(session: Session, request_id: str, updated_before: datetime, fallback_run_id: str) -> str | None:
    """Fail a stuck request with a dead letter and return the reason, or None when it moved on since it was found
    (a run picked it up, a merge job was submitted, or it finished). The row is locked so that a stage starting at
    this moment waits for the decision instead of racing it."""
    request = session.scalar(
        select(VideoRequest).where(VideoRequest.id == request_id, _stuck(updated_before)).with_for_update()
    )
    if request is None:
        return None
    where = f"{request.status} at stage {request.stage}" if request.stage else request.status
    since = _as_utc(request.updated_at)
    reason = (
        f"stuck in {where} with no live run since {since:%Y-%m-%d %H:%M:%S} UTC; "
        f"resume with `video-assets retry {request_id}`"
    )
    # The dead letter points at the run that died mid-stage. A queued request's run id is from an earlier
    # attempt (which may already have its own dead letter), so it is charged to the housekeeping run instead.
    run_id = request.dagster_run_id if request.status == "processing" and request.dagster_run_id else fallback_run_id
    record_dead_letter(session, request_id, run_id, request.stage or "unknown", reason)
    return reason


def _as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every timestamp we write is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
