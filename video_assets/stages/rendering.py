"""rendered_videos: one script variant -> TTS + one ffmpeg pass -> mp4, cover and subtitles in the object store."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, RenderedVideo, VideoScript
from video_assets.db.patience import patiently
from video_assets.db.repository import RequestCancelled, finish, set_progress
from video_assets.db.upsert import upsert
from video_assets.media import AUDIO_TYPES, FetchPolicy, S3Reader, fetch_material
from video_assets.platforms import PLATFORMS, safe_area_for
from video_assets.render import CoverSpec, RenderJob, RenderResult, SceneClip, render_video
from video_assets.render.clock import StageClock
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting import Scene
from video_assets.scripting.models import PlatformPackage
from video_assets.stages.context import StageContext
from video_assets.stages.materials import download_material
from video_assets.stages.render_timeline import store_timeline
from video_assets.stages.review import keep_for_review
from video_assets.stages.verification import verify_render
from video_assets.storage import ObjectStore, request_key
from video_assets.transient import is_transient
from video_assets.tts import TtsEngine

STAGE = "rendered_videos"


@dataclass(frozen=True)
class EncodeSettings:
    crf: int = 23
    preset: str = "veryfast"


@dataclass(frozen=True)
class VariantRender:
    variant_index: int
    status: str  # ready | failed | merging (handed to an external merge vendor)
    reason: str | None
    reused: bool = False


def script_digest(script: VideoScript) -> str:
    """What a video was made from: a re-written script gets a new video, an unchanged one never renders twice."""
    content: dict[str, object] = {"title": script.title, "style": script.style, "scenes": script.scenes}
    if script.platforms:
        content["platforms"] = script.platforms  # their titles are drawn on the platform covers
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def script_variants(database_url: str, request_id: str) -> list[int]:
    def read() -> list[int]:
        with session_scope(database_url) as session:
            query = select(VideoScript.variant_index).where(VideoScript.request_id == request_id)
            return sorted(session.scalars(query))

    return patiently(read)  # the fan-out step has no retries to spend on a database outage


def render_variant(
    stage: StageContext,
    variant_index: int,
    tts: TtsEngine,
    fetch_policy: FetchPolicy,
    s3_reader: S3Reader | None,
    encode: EncodeSettings,
    on_progress: Callable[[float], None] | None = None,
    final_attempt: bool = True,
) -> VariantRender:
    """A permanent failure is recorded on the variant's row and returned, so the other variants carry on. A transient
    one (S3, TTS or network trouble) is recorded and raised for the step's RetryPolicy, unless this is the final
    attempt. A variant already rendered from the same script is not rendered again. The video is verified from
    its local file before upload; one that fails an ERROR-severity check (duration, size, audio, black) is not
    published and the variant fails with the failed checks as its reason, so the request cannot end `completed`;
    the rejected video is kept under the review prefix with that reason, for a person to judge the verdict."""
    request_id, spec, database_url = stage.request_id, stage.spec, stage.database_url
    store, workdir = stage.store, stage.workdir
    key = {"request_id": request_id, "variant_index": variant_index}

    def claim() -> tuple[VideoScript, dict[int, MediaItem]] | None:
        """The script and its materials, with the variant marked rendering; None when its video is already made."""
        with session_scope(database_url) as session:
            script = session.scalars(select(VideoScript).filter_by(**key)).one()
            digest = script_digest(script)
            done = session.scalars(select(RenderedVideo).filter_by(**key)).one_or_none()
            if done is not None and done.status == "ready" and done.script_digest == digest:
                return None
            # Read to the end before writing: on SQLite a read still open when this connection writes makes the write
            # fail at once ("database is locked") if another connection (the step's heartbeat) committed meanwhile.
            items = session.scalars(select(MediaItem).where(MediaItem.request_id == request_id)).all()
            values = {"script_id": script.id, "status": "rendering", "reason": None, "backend": "local"}
            upsert(session, RenderedVideo, key, values | {"script_digest": digest})
            return script, {item.id: item for item in items}

    claimed = patiently(claim)
    if claimed is None:
        return VariantRender(variant_index, "ready", None, reused=True)
    script, items = claimed
    started = time.perf_counter()
    clock = StageClock()
    retry: Exception | None = None
    values: dict[str, object] = {"verification": None, "review_key": None}
    try:
        scenes = [Scene.model_validate(scene) for scene in script.scenes]
        covers = platform_covers(script.platforms or {})
        with clock.stage("materials"):
            job = _render_job(
                spec, script.title or spec.title, scenes, covers, items, store, fetch_policy, s3_reader, encode, workdir
            )
        result = render_video(job, tts, workdir / "render", on_progress, clock)
        with clock.stage("verify"):
            verification = verify_render(
                result.video_path, result.planned_duration, result.scene_spans, result.frame_tap
            )
        values["verification"] = verification.as_record()
        failed_checks = verification.failure_reason(spec.canvas_size)
        if failed_checks:
            with clock.stage("upload"):
                review = keep_for_review(
                    store, request_id, variant_index, result.video_path, failed_checks, verification, spec.canvas_size
                )
            reason = f"{failed_checks}; kept for review at {review.video}"
            values |= {"status": "failed", "reason": reason, "review_key": review.video}
        else:
            with clock.stage("upload"):
                values |= _upload(request_id, variant_index, result, store) | {"status": "ready", "reason": None}
                media_keys = [str(items[scene.material_id].object_key) for scene in scenes]
                values["timeline_key"] = store_timeline(
                    request_id, variant_index, job, result, values, media_keys, store
                )
    except RequestCancelled:
        raise
    except Exception as error:  # noqa: BLE001 - recorded on the variant's row; the other variants carry on
        values |= {"status": "failed", "reason": f"{type(error).__name__}: {error}"}
        retry = error if is_transient(error) and not final_attempt else None
    values["render_seconds"] = round(time.perf_counter() - started, 2)
    values["stage_seconds"] = clock.seconds

    def record() -> None:
        with session_scope(database_url) as session:
            upsert(session, RenderedVideo, key, values)

    # The video is uploaded by now: a database outage must not lose it, so the row waits for the database.
    patiently(record)
    if retry is not None:
        raise retry
    return VariantRender(variant_index, str(values["status"]), values.get("reason"))  # type: ignore[arg-type]


def _render_job(
    spec: VideoRequestSpec,
    title: str,
    scenes: list[Scene],
    covers: dict[str, CoverSpec],
    items: dict[int, MediaItem],
    store: ObjectStore,
    fetch_policy: FetchPolicy,
    s3_reader: S3Reader | None,
    encode: EncodeSettings,
    workdir: Path,
) -> RenderJob:
    local = {
        item_id: download_material(store, items[item_id], workdir / "materials")
        for item_id in dict.fromkeys(scene.material_id for scene in scenes)
    }
    clips = [
        SceneClip(
            media_path=local[scene.material_id].media_path,
            kind=local[scene.material_id].kind,
            width=items[scene.material_id].width or 0,
            height=items[scene.material_id].height or 0,
            source_duration=items[scene.material_id].duration,
            in_point=scene.in_point,
            out_point=scene.out_point if local[scene.material_id].kind == "video" else None,
            narration=scene.narration,
            has_audio=bool(items[scene.material_id].has_audio),
        )
        for scene in scenes
    ]
    watermark_image = None
    if spec.watermark and spec.watermark.image_uri:
        watermark_image = fetch_material(spec.watermark.image_uri, workdir / "watermark", fetch_policy, s3_reader).path
    bgm_path = None
    if spec.bgm:
        bgm_path = fetch_material(spec.bgm.uri, workdir / "bgm", fetch_policy, s3_reader, accepted=AUDIO_TYPES).path
    return RenderJob(
        scenes=clips,
        canvas=spec.canvas_size,
        language=spec.language,
        voice=spec.voice,
        transition=spec.transition,
        subtitles=spec.subtitle_style,
        watermark=spec.watermark,
        watermark_image_path=watermark_image,
        bgm_path=bgm_path,
        bgm=spec.bgm,
        title=title,
        crf=encode.crf,
        preset=encode.preset,
        platform_covers=covers,
        target_seconds=spec.target_duration,
        safe_area=safe_area_for(spec.platforms),
    )


def platform_covers(packages: dict[str, Any]) -> dict[str, CoverSpec]:
    """One cover per target platform, at its aspect, with the title written for that platform."""
    return {
        name: CoverSpec(
            PLATFORMS[name].cover_size, PlatformPackage.model_validate(package).title, PLATFORMS[name].safe_area
        )
        for name, package in packages.items()
        if name in PLATFORMS
    }


def _upload(request_id: str, variant_index: int, result: RenderResult, store: ObjectStore) -> dict[str, object]:
    def put(path: Path | None, name: str, content_type: str) -> str | None:
        if path is None:
            return None
        key = request_key(request_id, STAGE, f"v{variant_index}", name)
        store.put_file(key, path, content_type)
        return key

    return {
        "video_key": put(result.video_path, "video.mp4", "video/mp4"),
        "cover_key": put(result.cover_path, "cover.jpg", "image/jpeg"),
        "cover_keys": {
            name: put(path, f"cover-{name}.jpg", "image/jpeg") for name, path in result.platform_covers.items()
        },
        "ass_key": put(result.ass_path, "subtitles.ass", "text/x-ssa"),
        "srt_key": put(result.srt_path, "subtitles.srt", "application/x-subrip"),
        "duration": round(result.duration, 3),
        "planned_duration": round(result.planned_duration, 3),
        "size_bytes": result.size_bytes,
        "width": result.width,
        "height": result.height,
    }


def finish_request(database_url: str, request_id: str, renders: list[VariantRender]) -> str:
    """completed when every variant rendered, partial_success when some did, failed when none did; while any
    variant is still with the merge vendor the request stays processing, at stage `merging`."""
    if any(r.status == "merging" for r in renders):

        def merging() -> None:
            with session_scope(database_url) as session:
                set_progress(session, request_id, "merging", 0.0)

        patiently(merging)
        return "merging"
    ready = [r for r in renders if r.status == "ready"]
    if renders and len(ready) == len(renders):
        status, error = "completed", None
    elif ready:
        status = "partial_success"
        error = "; ".join(f"v{r.variant_index}: {r.reason}" for r in renders if r.status != "ready")
    else:
        status = "failed"
        error = "no video rendered: " + ("; ".join(f"v{r.variant_index}: {r.reason}" for r in renders) or "no scripts")

    def record() -> None:
        with session_scope(database_url) as session:
            finish(session, request_id, status, error)

    patiently(record)
    return status


def rendered_rows(database_url: str, request_id: str) -> list[RenderedVideo]:
    with session_scope(database_url) as session:
        query = select(RenderedVideo).where(RenderedVideo.request_id == request_id)
        return list(session.scalars(query.order_by(RenderedVideo.variant_index)))
