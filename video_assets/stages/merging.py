"""External merge: submit a variant's timeline once, then reconcile pending jobs into stored, verified videos.

Submission is exactly-once per (request, variant, script): the `merge_jobs` row is claimed (`submitting`) before the
vendor is called and keeps the vendor's id afterwards, so a retried step or a re-executed run finds it and never
submits again. Reconciling claims each finished job (`pending -> importing`) with a conditional update, so two
overlapping passes never import the same job twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, object_session

from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, MergeJob, RenderedVideo, VideoScript, utcnow
from video_assets.db.repository import set_progress
from video_assets.db.upsert import upsert
from video_assets.media import FetchPolicy, MaterialRejected, S3Reader, fetch_material
from video_assets.media.sniff import IMAGE_TYPES, VIDEO_TYPES
from video_assets.media.tools import INPUT_GUARD, file_arg, run_tool
from video_assets.merge import JobState, JobStatus, MergeBackend, MergeScene, MergeSubmission, MergeVendorError
from video_assets.render.ffmpeg_run import extract_frame
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting import Scene
from video_assets.stages.rendering import STAGE, VariantRender, finish_request, rendered_rows, script_digest
from video_assets.stages.verification import verify_render
from video_assets.storage import ObjectStore, request_key
from video_assets.transient import is_transient

log = logging.getLogger(__name__)
OPEN_STATES = ("submitting", "pending", "importing")
IMPORT_CLAIM_SECONDS = 900  # an import still `importing` after this died with its worker and is taken over
MAX_POLL_BACKOFF_SECONDS = 600
SEGMENT_TIMEOUT_SECONDS = 120.0
# A finished video is far larger than a material may be; the download stays guarded, with its own cap and deadline.
RESULT_MAX_BYTES = 2 * 1024**3
RESULT_FETCH_SECONDS = 1800.0


@dataclass(frozen=True)
class MergeContext:
    database_url: str
    store: ObjectStore
    backend: MergeBackend
    deadline_seconds: int
    workdir: Path


class StoreUnreachable(ValueError):
    """The vendor downloads our materials by URL; a local directory store has no URL it could open."""


def require_reachable_store(store: ObjectStore, backend_name: str) -> None:
    if store.url(request_key("probe", "tmp", "reachability")).startswith("file:"):
        raise StoreUnreachable(
            f"the external merge backend {backend_name!r} downloads materials from the object store, but the "
            "local store has only file:// paths it cannot reach; set VIDEO_ASSETS_STORAGE=s3 (S3/MinIO) or use "
            "VIDEO_ASSETS_MERGE_BACKEND=local"
        )


# --- submit ------------------------------------------------------------------------------------------------------


def submit_variant(
    ctx: MergeContext, request_id: str, variant_index: int, spec: VideoRequestSpec, final_attempt: bool = True
) -> VariantRender:
    key = {"request_id": request_id, "variant_index": variant_index}
    with session_scope(ctx.database_url) as session:
        script = session.scalars(select(VideoScript).filter_by(**key)).one()
        digest = script_digest(script)
        job = session.scalars(select(MergeJob).filter_by(**key).with_for_update()).one_or_none()
        if job is not None and job.script_digest == digest:
            if job.state == "failed" and job.external_job_id:
                return _resubmit(ctx, job, final_attempt)
            earlier = _earlier_submission(job)
            if earlier is not None:
                return VariantRender(variant_index, earlier[0], earlier[1], reused=True)
        items = {item.id: item for item in session.scalars(select(MediaItem).where(MediaItem.request_id == request_id))}
        planned = float(script.planned_duration)
        deadline = utcnow() + timedelta(seconds=ctx.deadline_seconds)
        upsert(
            session,
            MergeJob,
            key,
            {
                "state": "submitting",
                "external_job_id": None,
                "backend": ctx.backend.name,
                "script_digest": digest,
                "deadline": deadline,
                "progress": 0.0,
                "error": None,
                "result_url": None,
                "poll_failures": 0,
                "next_poll_at": None,
                "finished_at": None,
            },
        )
        _set_video(session, request_id, variant_index, script.id, digest, ctx.backend.name, "merging", None, planned)
    scenes = [Scene.model_validate(scene) for scene in script.scenes]
    try:
        submission = _submission(ctx, request_id, variant_index, spec, script.title or spec.title, scenes, items)
        job_id = ctx.backend.submit(submission)
    except Exception as error:  # noqa: BLE001 - classified below: retried, recorded, or left for an operator
        return _submit_failed(ctx, request_id, variant_index, error, final_attempt)
    submitted = utcnow()
    with session_scope(ctx.database_url) as session:
        session.execute(
            update(MergeJob)
            .where(MergeJob.request_id == request_id, MergeJob.variant_index == variant_index)
            .values(
                external_job_id=job_id,
                state="pending",
                submitted_at=submitted,
                deadline=submitted + timedelta(seconds=ctx.deadline_seconds),
                updated_at=submitted,
            )
        )
    return VariantRender(variant_index, "merging", None)


def _earlier_submission(job: MergeJob) -> tuple[str, str | None] | None:
    """(status, reason) of an earlier submission of the same script, or None when it is safe to submit."""
    if job.state in ("pending", "importing"):
        return "merging", None
    if job.state == "done":
        return "ready", None
    if job.state == "submitting":
        # The attempt that claimed the row died, or timed out waiting for the vendor's answer: the vendor may hold
        # the job. Submitting again could merge (and bill) it twice, so an operator decides.
        return "failed", job.error or "an earlier submission's outcome is unknown; not submitted again"
    return None  # `unsubmitted`: the vendor certainly never received it


def _resubmit(ctx: MergeContext, job: MergeJob, final_attempt: bool) -> VariantRender:
    """An operator's retry of a job the vendor failed (or that ran out of time): the vendor merges it again under
    the same id (Easegen's reMergemedia), with a fresh deadline. `job` is locked by the caller's transaction."""
    assert job.external_job_id is not None
    try:
        ctx.backend.resubmit(job.external_job_id)
    except Exception as error:
        if is_transient(error) and not final_attempt:
            raise
        reason = f"resubmitting {ctx.backend.name} job {job.external_job_id} failed: {type(error).__name__}: {error}"
        job.error = reason
        return VariantRender(job.variant_index, "failed", reason)
    now = utcnow()
    for name, value in {
        "state": "pending",
        "submitted_at": now,
        "deadline": now + timedelta(seconds=ctx.deadline_seconds),
        "progress": 0.0,
        "error": None,
        "poll_failures": 0,
        "next_poll_at": None,
        "finished_at": None,
    }.items():
        setattr(job, name, value)
    session = object_session(job)
    assert session is not None
    session.execute(
        update(RenderedVideo)
        .where(RenderedVideo.request_id == job.request_id, RenderedVideo.variant_index == job.variant_index)
        .values(status="merging", reason=None, updated_at=now)
    )
    return VariantRender(job.variant_index, "merging", None)


def _submit_failed(
    ctx: MergeContext, request_id: str, variant_index: int, error: Exception, final_attempt: bool
) -> VariantRender:
    reason = f"submit to {ctx.backend.name} failed: {type(error).__name__}: {error}"
    delivered = error.delivered if isinstance(error, MergeVendorError) else False
    if delivered is None:
        state = "submitting"  # kept: see _earlier_submission
        reason += " (the vendor may have received it; not submitted again)"
    else:
        state = "unsubmitted"
    retry = delivered is not None and is_transient(error) and not final_attempt
    with session_scope(ctx.database_url) as session:
        session.execute(
            update(MergeJob)
            .where(MergeJob.request_id == request_id, MergeJob.variant_index == variant_index)
            .values(state=state, error=reason, updated_at=utcnow())
        )
        if not retry:
            _video_failed(session, request_id, variant_index, reason)
    if retry:
        raise error
    return VariantRender(variant_index, "failed", reason)


def _submission(
    ctx: MergeContext,
    request_id: str,
    variant_index: int,
    spec: VideoRequestSpec,
    title: str,
    scenes: list[Scene],
    items: dict[int, MediaItem],
) -> MergeSubmission:
    require_reachable_store(ctx.store, ctx.backend.name)
    expires = ctx.deadline_seconds + 3600  # the vendor may start late; links must outlive the job's deadline
    width, height = spec.canvas_size
    merge_scenes = []
    for order, scene in enumerate(scenes, start=1):
        item = items.get(scene.material_id)
        if item is None or item.object_key is None:
            raise ValueError(f"scene {order} uses material {scene.material_id}, which is not a ready material")
        source_key = item.object_key
        if item.kind == "video":
            source_key = _upload_segment(ctx, request_id, variant_index, order, item, scene)
        merge_scenes.append(
            MergeScene(
                order_no=order,
                background_url=ctx.store.url(source_key, expires_in=expires),
                narration=scene.narration,
                voice=spec.voice,
                duration=scene.planned_duration,
            )
        )
    return MergeSubmission(
        name=f"{title} ({request_id} v{variant_index})",
        aspect=spec.aspect,
        width=width,
        height=height,
        subtitles_style=spec.subtitle_style.model_dump(mode="json"),
        scenes=merge_scenes,
    )


def _upload_segment(
    ctx: MergeContext, request_id: str, variant_index: int, order: int, item: MediaItem, scene: Scene
) -> str:
    """The vendor has no trim points: it gets the scene's range as its own clip, under the temporary prefix that
    housekeeping expires (stream copy, so the cut falls on the keyframe at or before the in point)."""
    assert item.object_key is not None
    folder = ctx.workdir / f"v{variant_index}"
    source = ctx.store.download(item.object_key, folder / f"item-{item.id}.mp4")
    segment = folder / f"scene-{order:02d}.mp4"
    length = scene.out_point - scene.in_point
    cmd = ["ffmpeg", "-v", "error", "-y", *INPUT_GUARD, "-ss", f"{scene.in_point:.3f}", "-i", file_arg(source)]
    cmd += ["-t", f"{length:.3f}", "-c", "copy", "-movflags", "+faststart", str(segment)]
    run_tool(cmd, f"cutting scene {order}", SEGMENT_TIMEOUT_SECONDS)
    key = request_key(request_id, "tmp", "merge", f"v{variant_index}", segment.name)
    ctx.store.put_file(key, segment, "video/mp4")
    return key


# --- reconcile ---------------------------------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    polled: int = 0
    still_running: int = 0
    imported: list[tuple[str, int]] = field(default_factory=list)
    failed: list[tuple[str, int, str]] = field(default_factory=list)
    poll_errors: list[str] = field(default_factory=list)
    finished_requests: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {
            "polled": self.polled,
            "still_running": self.still_running,
            "imported": [f"{request_id}/v{index}" for request_id, index in self.imported],
            "failed": [f"{request_id}/v{index}: {reason}" for request_id, index, reason in self.failed],
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
    touched: set[str] = set()
    for batch in _batches(jobs, max(1, min(ctx.backend.max_batch, 50))):
        statuses = _poll(ctx, batch, now, report)
        for job in batch:
            status = statuses.get(job.external_job_id or "") if statuses is not None else None
            if _settle(ctx, job, status, now, fetch_policy, s3_reader, report):
                touched.add(job.request_id)
    for request_id in sorted(touched):
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


def _batches(jobs: list[MergeJob], size: int) -> Iterable[list[MergeJob]]:
    for start in range(0, len(jobs), size):
        yield jobs[start : start + size]


def _poll(
    ctx: MergeContext, batch: list[MergeJob], now: datetime, report: ReconcileReport
) -> dict[str, JobStatus] | None:
    """The vendor's answer for the batch, or None when it could not be asked (the jobs back off and stay pending)."""
    ids = [job.external_job_id for job in batch if job.external_job_id]
    try:
        statuses = ctx.backend.poll(ids)
    except Exception as error:  # noqa: BLE001 - a vendor outage must never fail a job before its deadline
        if not is_transient(error):
            raise
        report.poll_errors.append(f"{type(error).__name__}: {error}")
        with session_scope(ctx.database_url) as session:
            for job in batch:
                delay = min(MAX_POLL_BACKOFF_SECONDS, 30 * 2 ** min(job.poll_failures, 10))
                session.execute(
                    update(MergeJob)
                    .where(MergeJob.id == job.id, MergeJob.state == "pending")
                    .values(poll_failures=job.poll_failures + 1, next_poll_at=now + timedelta(seconds=delay))
                )
        return None
    report.polled += len(ids)
    return statuses


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
    if _as_utc(job.deadline) <= now:
        allowed = round((_as_utc(job.deadline) - _as_utc(job.submitted_at or job.created_at)).total_seconds())
        return _fail_job(ctx, job, f"{ctx.backend.name} job {job.external_job_id} timed out after {allowed} s", report)
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
        values = _fetch_result(ctx, job, status, fetch_policy, s3_reader)
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


def _fetch_result(
    ctx: MergeContext, job: MergeJob, status: JobStatus, fetch_policy: FetchPolicy, s3_reader: S3Reader | None
) -> dict[str, object]:
    """Download the vendor's video through the same guarded fetch as materials, check it, and store it (with a
    cover) under the keys a local render uses."""
    if not status.video_url:
        raise ValueError("the vendor reported the job done without a video URL")
    folder = ctx.workdir / f"{job.request_id}-v{job.variant_index}"
    result_policy = replace(
        fetch_policy,
        max_bytes=max(fetch_policy.max_bytes, RESULT_MAX_BYTES),
        total_timeout=max(fetch_policy.total_timeout, RESULT_FETCH_SECONDS),
    )
    video = fetch_material(status.video_url, folder / "video", result_policy, s3_reader, accepted=VIDEO_TYPES).path
    with session_scope(ctx.database_url) as session:
        planned = session.scalars(
            select(RenderedVideo.planned_duration).filter_by(request_id=job.request_id, variant_index=job.variant_index)
        ).one_or_none()
    checked = verify_render(video, planned or 0.0)
    if not checked.width or not checked.duration:
        raise ValueError("the vendor's video has no readable video stream")
    cover = _cover(video, status, folder, fetch_policy, s3_reader)

    def key(name: str) -> str:
        return request_key(job.request_id, STAGE, f"v{job.variant_index}", name)

    ctx.store.put_file(key("video.mp4"), video, "video/mp4")
    ctx.store.put_file(key("cover.jpg"), cover, "image/jpeg")
    submitted = _as_utc(job.submitted_at or job.created_at)
    return {
        "status": "ready",
        "reason": None,
        "backend": ctx.backend.name,
        "video_key": key("video.mp4"),
        "cover_key": key("cover.jpg"),
        "ass_key": None,
        "srt_key": None,
        "duration": checked.duration,
        "planned_duration": checked.planned_duration,
        "size_bytes": video.stat().st_size,
        "width": checked.width,
        "height": checked.height,
        "render_seconds": round((utcnow() - submitted).total_seconds(), 2),
    }


def _cover(video: Path, status: JobStatus, folder: Path, fetch_policy: FetchPolicy, s3_reader: S3Reader | None) -> Path:
    """The vendor's thumbnail when it gives a readable one, else a frame of the video itself."""
    if status.thumbnail_url:
        try:
            return fetch_material(status.thumbnail_url, folder / "thumbnail", fetch_policy, s3_reader, IMAGE_TYPES).path
        except MaterialRejected as error:
            log.warning("vendor thumbnail %s refused (%s); using a frame of the video", status.thumbnail_url, error)
    return extract_frame(video, 1.0, folder / "cover.jpg")


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
        _video_failed(session, job.request_id, job.variant_index, reason)
    report.failed.append((job.request_id, job.variant_index, reason))
    return True


def _request_progress(session: Session, request_id: str) -> None:
    """The request shows the vendor's mean percentage over its variants while they merge."""
    progress = list(session.scalars(select(MergeJob.progress).where(MergeJob.request_id == request_id)))
    set_progress(session, request_id, "merging", sum(progress) / len(progress) if progress else 0.0)


def _set_video(
    session: Session,
    request_id: str,
    variant_index: int,
    script_id: int,
    digest: str,
    backend: str,
    status: str,
    reason: str | None,
    planned: float,
) -> None:
    upsert(
        session,
        RenderedVideo,
        {"request_id": request_id, "variant_index": variant_index},
        {
            "script_id": script_id,
            "script_digest": digest,
            "backend": backend,
            "status": status,
            "reason": reason,
            "planned_duration": round(planned, 3),
            "video_key": None,
        },
    )


def _video_failed(session: Session, request_id: str, variant_index: int, reason: str) -> None:
    session.execute(
        update(RenderedVideo)
        .where(RenderedVideo.request_id == request_id, RenderedVideo.variant_index == variant_index)
        .values(status="failed", reason=reason, updated_at=utcnow())
    )


def _as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=utcnow().tzinfo)
