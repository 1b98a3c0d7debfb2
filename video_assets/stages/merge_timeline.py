"""The timeline a merge vendor was asked to render, saved in the render's saved-timeline format at submit time.

The vendor returns only a video, so this is what an editor's package of an imported merge is built from: the scene
lengths from the plan, and the materials' own object keys (whole clips, so editors get handles)."""

from __future__ import annotations

from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, RenderedVideo
from video_assets.db.upsert import upsert
from video_assets.render.saved_timeline import SavedMedia, SavedScene, SavedTimeline
from video_assets.render.timeline import RenderJob
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting import Scene
from video_assets.stages.render_timeline import STAGE, TIMELINE_NAME
from video_assets.storage import ObjectStore, request_key

FPS = RenderJob.fps  # the vendor is asked for our output's rate


def merge_timeline(
    request_id: str, variant_index: int, spec: VideoRequestSpec, scenes: list[Scene], items: dict[int, MediaItem]
) -> SavedTimeline:
    """Scenes back to back with no transition (the vendor's own are unknown), each as long as the plan says."""
    saved, start = [], 0
    for index, scene in enumerate(scenes):
        item = items.get(scene.material_id)
        if item is None or item.object_key is None:
            raise ValueError(f"scene {index + 1} uses material {scene.material_id}, which is not a ready material")
        frames = max(round(scene.planned_duration * FPS), 1)
        saved.append(_scene(index, start, frames, scene, item))
        start += frames
    return SavedTimeline(
        source="merge",
        fps=FPS,
        canvas=spec.canvas_size,
        total_frames=start,
        transition="none",
        transition_frames=0,
        video_key=request_key(request_id, STAGE, f"v{variant_index}", "video.mp4"),  # where the import stores it
        cover_key=None,
        srt_key=None,
        ass_key=None,
        scenes=saved,
        cues=[],
    )


def _scene(index: int, start: int, frames: int, scene: Scene, item: MediaItem) -> SavedScene:
    assert item.object_key is not None  # noqa: S101 - checked by the caller
    shown = frames / FPS
    media = SavedMedia(key=item.object_key, kind="video" if item.kind == "video" else "still")
    media = media.model_copy(update={"width": item.width or 0, "height": item.height or 0})
    if item.kind == "video":
        window = scene.out_point - scene.in_point
        media = media.model_copy(update={"duration": item.duration})
        return SavedScene(
            index=index,
            start_frame=start,
            slot_frames=frames,
            frames=frames,
            media=media,
            source_in=scene.in_point,
            source_seconds=min(window, shown),
        )
    return SavedScene(
        index=index, start_frame=start, slot_frames=frames, frames=frames, media=media, source_seconds=shown
    )


def save_merge_timeline(
    database_url: str,
    store: ObjectStore,
    request_id: str,
    variant_index: int,
    spec: VideoRequestSpec,
    scenes: list[Scene],
    items: dict[int, MediaItem],
) -> str:
    """Store the submitted timeline under the key a local render's timeline uses, and point the variant at it."""
    key = request_key(request_id, STAGE, f"v{variant_index}", TIMELINE_NAME)
    timeline = merge_timeline(request_id, variant_index, spec, scenes, items)
    store.put_bytes(key, timeline.model_dump_json(indent=1).encode(), "application/json")
    with session_scope(database_url) as session:
        natural_key = {"request_id": request_id, "variant_index": variant_index}
        upsert(session, RenderedVideo, natural_key, {"timeline_key": key})
    return key
