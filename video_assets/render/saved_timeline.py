"""The frame-exact timeline a render encoded, saved beside the video so an export never re-derives timing.

Every medium is named by its object key, never a local path: the timeline outlives the render's workdir.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from video_assets.render.fit import pan_canvas, plan_fit
from video_assets.render.graph import DUCK, PAN_PATHS, PAN_SECONDS, clip_slowdown
from video_assets.render.subtitles import SubtitleCue
from video_assets.render.timeline import NARRATION_LEAD, RenderJob, ScenePlan, TimelinePlan

TIMELINE_VERSION = 1


class SavedMedia(BaseModel):
    key: str
    kind: Literal["video", "still", "audio"]
    width: int = 0
    height: int = 0
    duration: float | None = None  # seconds; None for a still


class SavedFit(BaseModel):
    mode: Literal["cover", "contain"]
    scaled: tuple[int, int]
    offset: tuple[int, int]


class SavedPan(BaseModel):
    """Crop origin (pixels) on the still at the scene's first and last frame; it moves linearly in between."""

    start: tuple[float, float]
    end: tuple[float, float]


class SavedNarration(BaseModel):
    key: str
    start_frame: int  # on the video timeline
    duration: float
    text: str


class SavedWord(BaseModel):
    text: str
    start: float
    end: float


class SavedCue(BaseModel):
    start: float
    end: float
    text: str
    words: list[SavedWord]


class SavedScene(BaseModel):
    index: int
    start_frame: int  # first frame of the scene (its incoming transition) on the video timeline
    slot_frames: int
    frames: int  # slot plus the outgoing transition's overlap
    media: SavedMedia
    source_in: float = 0.0  # seconds into the medium of the scene's first frame
    speed: float = 1.0  # source seconds per video second (below 1: slowed)
    source_seconds: float = 0.0  # seconds of source shown before its last frame is held
    fit: SavedFit | None = None  # video clips
    pan: SavedPan | None = None  # stills: the canvas is a moving crop of the still
    narration: SavedNarration | None = None

    def source_time(self, scene_frame: int, fps: int) -> float:
        """Seconds into the medium shown at `scene_frame` (0 = the scene's first frame)."""
        played = min(scene_frame / fps * self.speed, max(self.source_seconds - 1 / fps, 0.0))
        return self.source_in + played

    def hold_frame(self, fps: int) -> int | None:
        """The scene frame from which the clip's last frame is held (graph._fitted_clip's tpad), or None."""
        if self.media.kind != "video" or self.source_seconds / self.speed >= (self.frames - 0.5) / fps:
            return None
        return min(math.ceil((self.source_seconds - 1 / fps) * fps / self.speed - 1e-6), self.frames)

    def pan_origin(self, scene_frame: int) -> tuple[float, float]:
        if self.pan is None:
            return 0.0, 0.0
        share = scene_frame / max(self.frames - 1, 1)
        return tuple(a + (b - a) * share for a, b in zip(self.pan.start, self.pan.end, strict=True))  # type: ignore[return-value]


class SavedMusic(BaseModel):
    key: str
    volume: float
    # (seconds, gain) points: the sidechain ducking under each narration and the fade-out, as an editor's keyframes.
    volume_keyframes: list[tuple[float, float]]


class SavedTimeline(BaseModel):
    version: int = TIMELINE_VERSION
    # "merge": the plan submitted to a merge vendor, which chose its own fit, pans, narration and subtitles.
    source: Literal["render", "merge"] = "render"
    fps: int
    canvas: tuple[int, int]
    total_frames: int
    transition: str
    transition_frames: int
    video_key: str
    cover_key: str | None
    srt_key: str | None
    ass_key: str | None
    scenes: list[SavedScene]
    cues: list[SavedCue]
    music: SavedMusic | None = None
    watermark_text: str | None = None


@dataclass(frozen=True)
class RenderedKeys:
    """Object keys of what the render used and wrote; `stills` and `narrations` are indexed by scene."""

    video: str
    cover: str | None
    srt: str | None
    ass: str | None
    media: Sequence[str]
    stills: dict[int, str]
    narrations: dict[int, str]
    music: str | None


def save_timeline(job: RenderJob, plan: TimelinePlan, cues: Sequence[SubtitleCue], keys: RenderedKeys) -> SavedTimeline:
    return SavedTimeline(
        fps=plan.fps,
        canvas=job.canvas,
        total_frames=plan.total_frames,
        transition=job.transition.type,
        transition_frames=plan.transition_frames,
        video_key=keys.video,
        cover_key=keys.cover,
        srt_key=keys.srt,
        ass_key=keys.ass,
        scenes=[_scene(job, index, scene, keys) for index, scene in enumerate(plan.scenes)],
        cues=[_cue(cue) for cue in cues],
        music=_music(job, plan, keys.music),
        watermark_text=job.watermark.text if job.watermark else None,
    )


def _scene(job: RenderJob, index: int, scene: ScenePlan, keys: RenderedKeys) -> SavedScene:
    clip = scene.clip
    saved = SavedScene(
        index=index,
        start_frame=scene.start_frame,
        slot_frames=scene.slot_frames,
        frames=scene.frames,
        media=SavedMedia(key=keys.media[index], kind="video", width=clip.width, height=clip.height),
        narration=_narration(scene, keys.narrations.get(index)),
    )
    seconds = scene.seconds(job.fps)
    if clip.kind == "image" or clip.held_still:
        still = pan_canvas(job.canvas)
        return saved.model_copy(
            update={
                "media": SavedMedia(key=keys.stills[index], kind="still", width=still[0], height=still[1]),
                "source_seconds": seconds,
                "pan": _pan(job, index, scene),
            }
        )
    clip_in, clip_out = clip.window()
    available = clip_out - clip_in
    # graph._fitted_clip: slowed by up to MAX_SLOWDOWN when the window is short, then its last frame held.
    slowdown = clip_slowdown(available, seconds)
    fit = plan_fit(clip.width, clip.height, job.canvas)
    return saved.model_copy(
        update={
            "media": saved.media.model_copy(update={"duration": clip.source_duration}),
            "source_in": clip_in,
            "speed": 1 / slowdown,
            "source_seconds": min(available, seconds),
            # ffmpeg's crop (no `exact`) snaps a 4:2:0 picture's origin down to even pixels: save where it cut.
            "fit": SavedFit(mode=fit.mode, scaled=fit.scaled, offset=(fit.offset[0] // 2 * 2, fit.offset[1] // 2 * 2)),
        }
    )


def _pan(job: RenderJob, index: int, scene: ScenePlan) -> SavedPan:
    """The same path graph._ken_burns gives ffmpeg's crop, evaluated at the first and last frame."""
    spare_x, spare_y = (big - small for big, small in zip(pan_canvas(job.canvas), job.canvas, strict=True))
    (start_x, start_y), (end_x, end_y) = PAN_PATHS[index % len(PAN_PATHS)]
    reach = min(scene.seconds(job.fps) / PAN_SECONDS, 1.0)

    def origin(start: float, spare: int) -> float:
        return spare * (0.5 + (start - 0.5) * reach)

    first = (origin(start_x, spare_x), origin(start_y, spare_y))
    last = (first[0] + spare_x * (end_x - start_x) * reach, first[1] + spare_y * (end_y - start_y) * reach)
    return SavedPan(start=first, end=last)


def _narration(scene: ScenePlan, key: str | None) -> SavedNarration | None:
    if scene.narration is None or key is None:
        return None
    text = "".join((" " if word.space_before else "") + word.token for word in scene.narration.words)
    return SavedNarration(
        key=key,
        start_frame=scene.start_frame,
        duration=scene.narration.duration,
        text=text.strip() or scene.clip.narration,
    )


def _cue(cue: SubtitleCue) -> SavedCue:
    words = [word for line in cue.lines for word in line]
    return SavedCue(
        start=cue.start,
        end=cue.end,
        text="\n".join(cue.text_lines),
        words=[SavedWord(text=word.token, start=word.start, end=word.end) for word in words],
    )


def _music(job: RenderJob, plan: TimelinePlan, key: str | None) -> SavedMusic | None:
    if key is None or job.bgm_path is None:
        return None
    volume = job.bgm.volume if job.bgm else 0.25
    total = plan.duration
    points: list[tuple[float, float]] = [(0.0, volume)]
    if job.bgm is None or job.bgm.duck:
        # sidechaincompress at DUCK's ratio, approximated as a steady gain under each narration.
        ducked = volume / DUCK["ratio"]
        attack, release = DUCK["attack"] / 1000, DUCK["release"] / 1000
        for scene in plan.scenes:
            if scene.narration is None:
                continue
            start = scene.start_frame / plan.fps + NARRATION_LEAD
            end = start + scene.narration.duration
            points += [(start, volume), (start + attack, ducked), (end, ducked), (min(end + release, total), volume)]
    fade_out = min(job.bgm.fade_out if job.bgm else 2.0, total / 2)
    if fade_out > 0:
        points = [point for point in points if point[0] < total - fade_out]
        points += [(total - fade_out, volume), (total, 0.0)]
    return SavedMusic(key=key, volume=volume, volume_keyframes=[(round(t, 4), round(g, 4)) for t, g in points])
