"""Our own tables' share of the metrics: gauges read whole at each refresh, and two histograms fed incrementally
(each row observed once, after a cursor of row ids)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from video_assets.db.models import (
    MERGE_JOB_OPEN_STATES,
    DeadLetter,
    MergeJob,
    RenderedVideo,
    RequestEvent,
    VideoRequest,
)
from video_assets.db.repository import count_requests_by_status
from video_assets.metrics.breakers import set_breaker_gauges
from video_assets.metrics.families import Families
from video_assets.service.listing import REQUEST_STATUSES

# Rows each incremental read takes at most, so the first refresh over a long history stays bounded in memory.
PAGE = 5000


def _aware(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (_aware(now) - _aware(oldest)).total_seconds()) if oldest is not None else 0.0


class TableReader:
    def __init__(self, families: Families) -> None:
        self.families = families
        self.last_run_started_event = 0
        self.last_rendered_video = 0

    def refresh(self, session: Session, now: datetime) -> None:
        self._gauges(session, now)
        set_breaker_gauges(self.families, session, _aware(now))
        self._pickup_waits(session)
        self._render_speeds(session)

    def _gauges(self, session: Session, now: datetime) -> None:
        f = self.families
        counts = count_requests_by_status(session)
        for status in {*REQUEST_STATUSES, *counts}:
            f.requests.labels(status).set(counts.get(status, 0))
        oldest_pending = session.scalar(
            select(func.min(VideoRequest.created_at)).where(VideoRequest.status == "pending")
        )
        f.oldest_pending_age.set(_age(oldest_pending, now))
        open_jobs = MergeJob.state.in_(MERGE_JOB_OPEN_STATES)
        count, oldest = session.execute(select(func.count(), func.min(MergeJob.created_at)).where(open_jobs)).one()
        f.open_merge_jobs.set(count)
        f.oldest_open_merge_age.set(_age(oldest, now))
        f.overdue_merge_jobs.set(session.scalar(select(func.count()).where(open_jobs, MergeJob.deadline < now)) or 0)
        unresolved = DeadLetter.resolved_at.is_(None)
        count, oldest = session.execute(select(func.count(), func.min(DeadLetter.created_at)).where(unresolved)).one()
        f.dead_letters.set(count)
        f.oldest_dead_letter_age.set(_age(oldest, now))

    def _pickup_waits(self, session: Session) -> None:
        """Creation to the first run's start, once per request: a retry's or a backfill's later run is no pickup."""
        earlier = aliased(RequestEvent)
        first_start = ~(
            select(earlier.id)
            .where(
                earlier.request_id == RequestEvent.request_id,
                earlier.kind == "run_started",
                earlier.id < RequestEvent.id,
            )
            .exists()
        )
        while True:
            rows = session.execute(
                select(RequestEvent.id, RequestEvent.at, VideoRequest.created_at)
                .join(VideoRequest, VideoRequest.id == RequestEvent.request_id)
                .where(RequestEvent.kind == "run_started", RequestEvent.id > self.last_run_started_event, first_start)
                .order_by(RequestEvent.id)
                .limit(PAGE)
            ).all()
            for event_id, started, created in rows:
                self.families.pickup_wait.observe(_age(created, started))
                self.last_run_started_event = event_id
            if len(rows) < PAGE:
                return

    def _render_speeds(self, session: Session) -> None:
        """Output seconds per wall second of each local render (an external merge's time is the vendor's queue)."""
        while True:
            rows = session.execute(
                select(RenderedVideo.id, RenderedVideo.duration, RenderedVideo.render_seconds)
                .where(RenderedVideo.id > self.last_rendered_video, RenderedVideo.backend == "local")
                .order_by(RenderedVideo.id)
                .limit(PAGE)
            ).all()
            for video_id, duration, render_seconds in rows:
                if duration and render_seconds:
                    self.families.render_speed.observe(duration / render_seconds)
                self.last_rendered_video = video_id
            if len(rows) < PAGE:
                return
