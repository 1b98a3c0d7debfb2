"""Submit a variant's timeline to the merge vendor exactly once per (request, variant, script).

The `merge_jobs` row is claimed (`submitting`) before the vendor is called and keeps the vendor's id afterwards, so a
retried step or a re-executed run finds it and never submits again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, MergeJob, RenderedVideo, VideoScript, utcnow
from video_assets.db.upsert import upsert
from video_assets.deadlines import pass_budget
from video_assets.media.tools import INPUT_GUARD, file_arg, run_tool
from video_assets.merge import MergeScene, MergeSubmission, MergeVendorError
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting import Scene
from video_assets.stages.merge_timeline import save_merge_timeline
from video_assets.stages.merging.context import MergeContext, require_reachable_store, video_failed
from video_assets.stages.rendering import VariantRender, script_digest
from video_assets.storage import request_key
from video_assets.transient import is_transient


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
        # What the vendor is asked to render, kept so the imported video still gets an editor's package.
        save_merge_timeline(ctx.database_url, ctx.store, request_id, variant_index, spec, scenes, items)
        submission = _submission(ctx, request_id, variant_index, spec, script.title or spec.title, scenes, items)
        job_id = ctx.backend.submit(submission)
    except Exception as error:  # noqa: BLE001 - classified below: retried, recorded, or left for an operator
        return _submit_failed(ctx, request_id, variant_index, error, final_attempt)
    submitted = utcnow()
    try:
        with session_scope(ctx.database_url) as session:
            holder = _holder_of(session, job_id, request_id, variant_index)
            if holder is None:
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
    except IntegrityError:  # another process recorded the same id between the check and the update
        holder = "another variant submitted at the same moment"
    if holder is not None:
        return _repeated_job_id(ctx, request_id, variant_index, job_id, holder)
    return VariantRender(variant_index, "merging", None)


def _holder_of(session: Session, job_id: str, request_id: str, variant_index: int) -> str | None:
    """Which other variant the vendor already gave `job_id` to, if any."""
    holder = session.scalars(
        select(MergeJob).where(
            MergeJob.external_job_id == job_id,
            (MergeJob.request_id != request_id) | (MergeJob.variant_index != variant_index),
        )
    ).first()
    return None if holder is None else f"request {holder.request_id} v{holder.variant_index}"


def _repeated_job_id(ctx: MergeContext, request_id: str, variant_index: int, job_id: str, holder: str) -> VariantRender:
    """A vendor fault: the id already names a job we track, which keeps it. This variant fails with a readable
    reason and without a vendor id, so `retry` may submit it again."""
    reason = (
        f"{ctx.backend.name} answered this submission with job id {job_id}, which it had already issued for "
        f"{holder}: a vendor fault; the earlier job stays tracked and this variant was not recorded under that id"
    )
    with session_scope(ctx.database_url) as session:
        session.execute(
            update(MergeJob)
            .where(MergeJob.request_id == request_id, MergeJob.variant_index == variant_index)
            .values(state="failed", external_job_id=None, error=reason, updated_at=utcnow())
        )
        video_failed(session, request_id, variant_index, reason)
    return VariantRender(variant_index, "failed", reason)


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
            video_failed(session, request_id, variant_index, reason)
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
    housekeeping expires. Re-encoded, because a stream copy would start at the keyframe before the in point, which
    can be seconds early in a phone clip."""
    assert item.object_key is not None
    folder = ctx.workdir / f"v{variant_index}"
    source = ctx.store.download(item.object_key, folder / f"item-{item.id}.mp4")
    segment = folder / f"scene-{order:02d}.mp4"
    length = scene.out_point - scene.in_point
    cmd = ["ffmpeg", "-v", "error", "-y", *INPUT_GUARD, "-ss", f"{scene.in_point:.3f}", "-i", file_arg(source)]
    cmd += ["-t", f"{length:.3f}", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
    cmd += ["-c:a", "aac", "-movflags", "+faststart", str(segment)]
    run_tool(cmd, f"cutting scene {order}", pass_budget(length))
    key = request_key(request_id, "tmp", "merge", f"v{variant_index}", segment.name)
    ctx.store.put_file(key, segment, "video/mp4")
    return key


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
