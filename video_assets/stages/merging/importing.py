"""Bring a finished vendor video home: fetched like a material (guarded), checked, stored under local-render keys."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from video_assets.db.engine import session_scope
from video_assets.db.models import MergeJob, RenderedVideo, utcnow
from video_assets.media import FetchPolicy, MaterialRejected, S3Reader, fetch_material
from video_assets.media.sniff import IMAGE_TYPES, VIDEO_TYPES
from video_assets.merge import JobStatus
from video_assets.render.ffmpeg_run import extract_frame
from video_assets.stages.merging.context import MergeContext, as_utc
from video_assets.stages.merging.result_origin import UntrustedResultUrl, require_trusted_result, result_hosts
from video_assets.stages.rendering import STAGE
from video_assets.stages.verification import verify_render
from video_assets.storage import request_key

log = logging.getLogger(__name__)
# A finished video is far larger than a material may be; the download stays guarded, with its own cap and deadline.
RESULT_MAX_BYTES = 2 * 1024**3
RESULT_FETCH_SECONDS = 1800.0


def fetch_result(
    ctx: MergeContext, job: MergeJob, status: JobStatus, fetch_policy: FetchPolicy, s3_reader: S3Reader | None
) -> dict[str, object]:
    """Download the vendor's video through the same guarded fetch as materials, check it, and store it (with a
    cover) under the keys a local render uses."""
    if not status.video_url:
        raise ValueError("the vendor reported the job done without a video URL")
    hosts = result_hosts(ctx.backend.result_origins, ctx.store)
    require_trusted_result(status.video_url, hosts, "merge_video")
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
    cover = _cover(video, status, folder, fetch_policy, s3_reader, hosts)

    def key(name: str) -> str:
        return request_key(job.request_id, STAGE, f"v{job.variant_index}", name)

    ctx.store.put_file(key("video.mp4"), video, "video/mp4")
    ctx.store.put_file(key("cover.jpg"), cover, "image/jpeg")
    submitted = as_utc(job.submitted_at or job.created_at)
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
        "verification": checked.as_record(),
    }


def _cover(
    video: Path,
    status: JobStatus,
    folder: Path,
    fetch_policy: FetchPolicy,
    s3_reader: S3Reader | None,
    hosts: frozenset[str],
) -> Path:
    """The vendor's thumbnail when it gives a readable one from a trusted origin, else a frame of the video itself."""
    if status.thumbnail_url:
        try:
            require_trusted_result(status.thumbnail_url, hosts, "thumbnail")
            return fetch_material(status.thumbnail_url, folder / "thumbnail", fetch_policy, s3_reader, IMAGE_TYPES).path
        except (MaterialRejected, UntrustedResultUrl) as error:
            log.warning("vendor thumbnail %s refused (%s); using a frame of the video", status.thumbnail_url, error)
    return extract_frame(video, 1.0, folder / "cover.jpg")
