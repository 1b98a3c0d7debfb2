"""Reconcile external merge jobs: poll the due ones in batches, import what is done, fail what is overdue.

Each finished job is claimed (`pending -> importing`) with a conditional update, so two overlapping passes never
import the same job twice; a vendor outage only backs the polling off, it never fails a job before its deadline.
The vendor's answers are untrusted input: an answer that cannot be read backs off the jobs it was about, and a job
that cannot be settled is reported, never allowed to stop the pass for the others. A cancelled request's jobs are
settled as `cancelled` and nothing of theirs is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from video_assets.db.engine import session_scope
from video_assets.db.models import MergeJob, RenderedVideo, VideoRequest, utcnow
from video_assets.db.repository import set_progress
from video_assets.db.upsert import upsert
from video_assets.media import FetchPolicy, S3Reader
from video_assets.merge import JobState, JobStatus
from video_assets.stages.merging.context import MergeContext, as_utc, video_failed
from video_assets.stages.merging.importing import fetch_result
from video_assets.stages.rendering import VariantRender, finish_request, rendered_rows
from video_assets.transient import is_transient

IMPORT_CLAIM_SECONDS = 900  # an import still `importing` after this died with its worker and is taken over
MAX_POLL_BACKOFF_SECONDS = 600
CANCELLED_REASON = "the request was cancelled; the vendor's result is not imported"


@dataclass
class ReconcileReport:
    polled: int = 0
    still_running: int = 0
    imported: list[tuple[str, int]] = field(default_factory=list)
    failed: list[tuple[str, int, str]] = field(default_factory=list)
    cancelled: list[tuple[str, int]] = field(default_factory=list)
    poll_errors: list[str] = field(default_factory=list)
    finished_requests: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {
            "polled": self.polled,
            "still_running": self.still_running,
            "imported": [f"{request_id}/v{index}" for request_id, index in self.imported],
            "failed": [f"{request_id}/v{index}: {reason}" for request_id, index, reason in self.failed],
            "cancelled": [f"{request_id}/v{index}" for request_id, index in self.cancelled],
            "poll_errors": self.poll_errors,
            "finished_requests": self.finished_requests,
        }


def reconcile_pass(
    ctx: MergeContext, fetch_policy: FetchPolicy, s3_reader: S3Reader | None = None, limit: int = 500
) -> ReconcileReport:
    """One pass over the jobs that are due: poll them in batches, import what is done, fail what is past its
    deadline, and finish every request whose variants have all ended."""
    report = ReconcileReport()
    now = utcnow()
    jobs = _due_jobs(ctx.database_url, now, limit)
    cancelled = _cancelled_requests(ctx.database_url, {job.request_id for job in jobs})
    for job in jobs:
        if job.request_id in cancelled:
            _drop_cancelled(ctx.database_url, job, report)
    jobs = [job for job in jobs if job.request_id not in cancelled]
    touched: set[str] = set()
    for batch in _batches(jobs, max(1, min(ctx.backend.max_batch, 50))):
        statuses = _poll(ctx, batch, now, report)
        for job in batch:
            status = statuses.get(job.external_job_id or "") if statuses is not None else None
            try:
                settled = _settle(ctx, job, status, now, fetch_policy, s3_reader, report)
            except Exception as error:  # noqa: BLE001 - one job that cannot be settled never stops the others
                report.poll_errors.append(f"job {job.external_job_id}: {type(error).__name__}: {error}")
                continue
            if settled:
                touched.add(job.request_id)
    for request_id in sorted(touched - _cancelled_requests(ctx.database_url, touched)):
        renders = [
            VariantRender(row.variant_index, row.status, row.reason)
            for row in rendered_rows(ctx.database_url, request_id)
        ]
        if renders and not any(render.status in ("merging", "rendering") for render in renders):
            report.finished_requests[request_id] = finish_request(ctx.database_url, request_id, renders)
    return report


def count_open_jobs(database_url: str) -> int:
    """Jobs the vendor holds that are not settled yet: what the schedule wakes up for."""
    with session_scope(database_url) as session:
        query = select(func.count()).select_from(MergeJob).where(MergeJob.state.in_(("pending", "importing")))
        return int(session.scalar(query) or 0)


def _due_jobs(database_url: str, now: datetime, limit: int) -> list[MergeJob]:
    stale_import = now - timedelta(seconds=IMPORT_CLAIM_SECONDS)
    with session_scope(database_url) as session:
        query = (
            select(MergeJob)
            .where(
                MergeJob.external_job_id.is_not(None),
                or_(
                    (MergeJob.state == "pending")
                    & or_(MergeJob.next_poll_at.is_(None), MergeJob.next_poll_at <= now, MergeJob.deadline <= now),
                    (MergeJob.state == "importing") & (MergeJob.updated_at <= stale_import),
                ),
            )
            .order_by(MergeJob.id)
            .limit(limit)
        )
        return list(session.scalars(query))


def _cancelled_requests(database_url: str, request_ids: set[str]) -> set[str]:
    if not request_ids:
        return set()
    with session_scope(database_url) as session:
        query = select(VideoRequest.id).where(VideoRequest.id.in_(request_ids), VideoRequest.status == "cancelled")
        return set(session.scalars(query))


def _drop_cancelled(database_url: str, job: MergeJob, report: ReconcileReport) -> None:
    """Cancel wins: the job is settled without asking the vendor or importing its result."""
    with session_scope(database_url) as session:
        result = session.execute(
            update(MergeJob)
            .where(MergeJob.id == job.id, MergeJob.state == job.state, MergeJob.updated_at == job.updated_at)
            .values(state="cancelled", error=CANCELLED_REASON, finished_at=utcnow(), updated_at=utcnow())
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            video_failed(session, job.request_id, job.variant_index, CANCELLED_REASON)
            report.cancelled.append((job.request_id, job.variant_index))


def _batches(jobs: list[MergeJob], size: int) -> Iterable[list[MergeJob]]:
    for start in range(0, len(jobs), size):
        yield jobs[start : start + size]


def _poll(
    ctx: MergeContext, batch: list[MergeJob], now: datetime, report: ReconcileReport
) -> dict[str, JobStatus] | None:
    """The vendor's answer for the batch, or None when it could not be asked or its answer could not be read: the
    jobs back off and stay pending, and their deadlines still hold."""
    ids = [job.external_job_id for job in batch if job.external_job_id]
    try:
        statuses = ctx.backend.poll(ids)
    except Exception as error:  # noqa: BLE001 - an outage or an unreadable answer must never fail a job early
        problem = f"{type(error).__name__}: {error}"
        report.poll_errors.append(problem)
        with session_scope(ctx.database_url) as session:
            for job in batch:
                _back_off(session, job, now, problem)
        return None
    report.polled += len(ids)
    return statuses


def _back_off(session: Session, job: MergeJob, now: datetime, problem: str) -> None:
    """Ask about the job again later, exponentially later; the problem is kept so a deadline failure can name it."""
    delay = min(MAX_POLL_BACKOFF_SECONDS, 30 * 2 ** min(job.poll_failures, 10))
    session.execute(
        update(MergeJob)
        .where(MergeJob.id == job.id, MergeJob.state == "pending")
        .values(poll_failures=job.poll_failures + 1, next_poll_at=now + timedelta(seconds=delay), error=problem)
    )


def _settle(
    ctx: MergeContext,
    job: MergeJob,
    status: JobStatus | None,
    now: datetime,
    fetch_policy: FetchPolicy,
    s3_reader: S3Reader | None,
    report: ReconcileReport,
) -> bool:
    """Apply one job's status; True when the job ended (imported or failed)."""
    if status is not None and status.state == JobState.DONE:
        return _import(ctx, job, status, fetch_policy, s3_reader, report)
    if status is not None and status.state == JobState.FAILED:
        return _fail_job(ctx, job, f"{ctx.backend.name} job {job.external_job_id} failed: {status.reason}", report)
    if as_utc(job.deadline) <= now:
        allowed = round((as_utc(job.deadline) - as_utc(job.submitted_at or job.created_at)).total_seconds())
        reason = f"{ctx.backend.name} job {job.external_job_id} timed out after {allowed} s"
        last_problem = status.reason if status is not None and status.state == JobState.UNREADABLE else job.error
        return _fail_job(ctx, job, reason + (f" (last vendor problem: {last_problem})" if last_problem else ""), report)
    if status is not None and status.state == JobState.UNREADABLE:
        report.poll_errors.append(status.reason or f"job {job.external_job_id}: unreadable answer")
        with session_scope(ctx.database_url) as session:
            _back_off(session, job, now, status.reason or "the vendor's answer could not be read")
        return False
    if status is not None:
        report.still_running += 1
        with session_scope(ctx.database_url) as session:
            session.execute(
                update(MergeJob)
                .where(MergeJob.id == job.id, MergeJob.state == "pending")
                .values(progress=status.progress, poll_failures=0, next_poll_at=None, updated_at=utcnow())
            )
            _request_progress(session, job.request_id)
    return False


def _import(
    ctx: MergeContext,
    job: MergeJob,
    status: JobStatus,
    fetch_policy: FetchPolicy,
    s3_reader: S3Reader | None,
    report: ReconcileReport,
) -> bool:
    if not _claim(ctx.database_url, job):
        return False  # another pass is importing it
    try:
        values = fetch_result(ctx, job, status, fetch_policy, s3_reader)
    except Exception as error:  # noqa: BLE001 - transient: back to pending for the next pass; else the job fails
        reason = f"importing {ctx.backend.name} job {job.external_job_id} failed: {type(error).__name__}: {error}"
        if is_transient(error):
            with session_scope(ctx.database_url) as session:
                session.execute(
                    update(MergeJob)
                    .where(MergeJob.id == job.id)
                    .values(state="pending", error=reason, updated_at=utcnow())
                )
            report.poll_errors.append(reason)
            return False
        return _fail_job(ctx, job, reason, report, claimed=True)
    with session_scope(ctx.database_url) as session:
        # Locked, so a cancel either lands before this check (and wins) or waits until the import is recorded.
        request = session.get(VideoRequest, job.request_id, with_for_update=True)
        if request is not None and request.status == "cancelled":
            session.execute(
                update(MergeJob)
                .where(MergeJob.id == job.id)
                .values(state="cancelled", error=CANCELLED_REASON, finished_at=utcnow(), updated_at=utcnow())
            )
            video_failed(session, job.request_id, job.variant_index, CANCELLED_REASON)
            report.cancelled.append((job.request_id, job.variant_index))
            return False
        session.execute(
            update(MergeJob)
            .where(MergeJob.id == job.id)
            .values(state="done", progress=1.0, result_url=status.video_url, finished_at=utcnow(), updated_at=utcnow())
        )
        upsert(session, RenderedVideo, {"request_id": job.request_id, "variant_index": job.variant_index}, values)
    report.imported.append((job.request_id, job.variant_index))
    return True


def _claim(database_url: str, job: MergeJob) -> bool:
    with session_scope(database_url) as session:
        result = session.execute(
            update(MergeJob)
            .where(MergeJob.id == job.id, MergeJob.state == job.state, MergeJob.updated_at == job.updated_at)
            .values(state="importing", updated_at=utcnow())
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def _fail_job(ctx: MergeContext, job: MergeJob, reason: str, report: ReconcileReport, claimed: bool = False) -> bool:
    expected = "importing" if claimed else job.state
    with session_scope(ctx.database_url) as session:
        result = session.execute(
            update(MergeJob)
            .where(MergeJob.id == job.id, MergeJob.state == expected)
            .values(state="failed", error=reason, finished_at=utcnow(), updated_at=utcnow())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False  # another pass settled it first
        video_failed(session, job.request_id, job.variant_index, reason)
    report.failed.append((job.request_id, job.variant_index, reason))
    return True


def _request_progress(session: Session, request_id: str) -> None:
    """The request shows the vendor's mean percentage over its variants while they merge."""
    progress = list(session.scalars(select(MergeJob.progress).where(MergeJob.request_id == request_id)))
    set_progress(session, request_id, "merging", sum(progress) / len(progress) if progress else 0.0)
