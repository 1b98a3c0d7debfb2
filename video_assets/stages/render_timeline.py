"""Store a rendered variant's frame-exact timeline, with the media only the render had (stills, narration, music)."""

from __future__ import annotations

from pathlib import Path

from video_assets.render import RenderJob, RenderResult
from video_assets.render.errors import RenderError
from video_assets.render.saved_timeline import RenderedKeys, save_timeline
from video_assets.storage import ObjectStore, request_key

STAGE = "rendered_videos"
TIMELINE_NAME = "timeline.json"


def store_timeline(
    request_id: str,
    variant_index: int,
    job: RenderJob,
    result: RenderResult,
    uploaded: dict[str, object],
    media_keys: list[str],
    store: ObjectStore,
) -> str:
    """Upload what the timeline points at, then the timeline itself; returns its object key.

    `uploaded` holds the keys `_upload` already wrote (video, cover, subtitles); `media_keys` the material key of
    every scene, in scene order."""
    if result.plan is None:
        raise RenderError("the render returned no timeline plan to save")

    def key(name: str) -> str:
        return request_key(request_id, STAGE, f"v{variant_index}", name)

    def put(name: str, path: Path, content_type: str | None = None) -> str:
        store.put_file(key(name), path, content_type)  # it returns a URI; the timeline keeps bare keys
        return key(name)

    # The render made them PNG (every pixel of what it panned over) while ffmpeg encoded.
    stills = {index: put(f"still-{index:02d}.png", picture, "image/png") for index, picture in result.stills.items()}
    narrations = {
        index: put(f"narration-{index:02d}.wav", scene.narration.audio_path, "audio/wav")
        for index, scene in enumerate(result.plan.scenes)
        if scene.narration is not None
    }
    music = put(f"music{job.bgm_path.suffix.lower() or '.audio'}", job.bgm_path) if job.bgm_path else None
    keys = RenderedKeys(
        video=str(uploaded["video_key"]),
        cover=_optional(uploaded.get("cover_key")),
        srt=_optional(uploaded.get("srt_key")),
        ass=_optional(uploaded.get("ass_key")),
        media=media_keys,
        stills=stills,
        narrations=narrations,
        music=music,
    )
    timeline = save_timeline(job, result.plan, result.cues, keys)
    store.put_bytes(key(TIMELINE_NAME), timeline.model_dump_json(indent=1).encode(), "application/json")
    return key(TIMELINE_NAME)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
