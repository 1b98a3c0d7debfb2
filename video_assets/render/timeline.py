"""What to render (scenes and options) and the frame-exact plan derived from the narration."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from video_assets.platforms import SafeArea
from video_assets.render.errors import RenderError
from video_assets.request_schema import Bgm, SubtitleStyle, Transition, Watermark
from video_assets.scripting.duration import duration_bounds
from video_assets.tts.base import Narration

# Narration starts a little after the scene does and the scene lingers a little after it ends.
NARRATION_LEAD = 0.15
NARRATION_TAIL = 0.35
SILENT_IMAGE_SECONDS = 3.0
MIN_SCENE_SECONDS = 1.0
# A clip window shorter than this is held as a still (Ken Burns over its last frame) instead of looped: a loop this
# short repeats more than twice a second, which reads as stutter or flashing, not motion (WCAG 2.3.1 draws the line
# for flashing at three a second). At 30 fps it is 15 frames, so every clip of a few frames (1-7) is held.
HOLD_STILL_BELOW_SECONDS = 0.5


@dataclass(frozen=True)
class SceneClip:
    media_path: Path
    kind: Literal["image", "video"]
    width: int  # display size, after rotation / EXIF orientation
    height: int
    source_duration: float | None = None
    in_point: float = 0.0
    out_point: float | None = None  # None: to the end of the clip
    narration: str = ""
    has_audio: bool = False  # the clip's own sound is not mixed: narration and BGM carry the audio

    def window(self) -> tuple[float, float]:
        """Usable [in, out) range of a video clip in seconds."""
        end = self.out_point if self.out_point is not None else self.source_duration
        if end is None:
            raise RenderError(f"video scene {self.media_path.name} needs source_duration or out_point")
        if self.source_duration is not None:
            end = min(end, self.source_duration)
        if end <= self.in_point:
            raise RenderError(
                f"video scene {self.media_path.name}: in_point {self.in_point} is not before out_point {end}"
            )
        return self.in_point, end

    @property
    def held_still(self) -> bool:
        """A video window too short to carry a scene: shown as a still of its last frame, like an image."""
        if self.kind != "video":
            return False
        clip_in, clip_out = self.window()
        return clip_out - clip_in < HOLD_STILL_BELOW_SECONDS


@dataclass(frozen=True)
class CoverSpec:
    """A cover made for one platform: its own size (aspect) and the title written on it."""

    size: tuple[int, int]
    title: str
    safe_area: SafeArea = field(default_factory=SafeArea)  # where the platform's interface leaves the text visible


@dataclass(frozen=True)
class RenderJob:
    scenes: list[SceneClip]
    canvas: tuple[int, int]
    fps: int = 30
    language: str = "zh"
    voice: str | None = None
    transition: Transition = field(default_factory=Transition)
    subtitles: SubtitleStyle = field(default_factory=SubtitleStyle)
    watermark: Watermark | None = None
    watermark_image_path: Path | None = None
    bgm_path: Path | None = None
    bgm: Bgm | None = None
    title: str = ""
    crf: int = 23
    preset: str = "veryfast"
    cover_scene_index: int = 0
    platform_covers: dict[str, CoverSpec] = field(default_factory=dict)
    target_seconds: float | None = None  # the request's target_duration; None renders whatever the narration needs
    # Where subtitles, the watermark and the cover title stay visible on every target platform (platforms.py).
    safe_area: SafeArea = field(default_factory=SafeArea)

    def validate(self) -> None:
        if not self.scenes:
            raise RenderError("render job has no scenes")
        width, height = self.canvas
        if width < 16 or height < 16 or width % 2 or height % 2:
            raise RenderError(f"canvas {width}x{height} must be even and at least 16x16 (H.264 yuv420p)")
        for index, scene in enumerate(self.scenes):
            if scene.kind not in ("image", "video"):
                raise RenderError(f"scene {index}: kind must be 'image' or 'video', not '{scene.kind}'")
            if not scene.media_path.is_file():
                raise RenderError(f"scene {index}: media file {scene.media_path} does not exist")
            if scene.width <= 0 or scene.height <= 0:
                raise RenderError(f"scene {index}: media size {scene.width}x{scene.height} is not valid")
            if scene.kind == "video":
                scene.window()
        if self.bgm_path is not None and not self.bgm_path.is_file():
            raise RenderError(f"background music file {self.bgm_path} does not exist")
        if self.watermark_image_path is not None and not self.watermark_image_path.is_file():
            raise RenderError(f"watermark image {self.watermark_image_path} does not exist")

    @property
    def transition_frames(self) -> int:
        if self.transition.type == "none" or len(self.scenes) < 2:
            return 0
        return round(self.transition.duration * self.fps)


@dataclass(frozen=True)
class ScenePlan:
    clip: SceneClip
    narration: Narration | None
    start_frame: int  # where the scene (its incoming transition) starts on the video timeline
    slot_frames: int  # frames until the next scene starts; the audio slot of this scene
    frames: int  # frames this scene supplies: its slot plus the outgoing transition it overlaps with

    def seconds(self, fps: int) -> float:
        return self.frames / fps


@dataclass(frozen=True)
class TimelinePlan:
    scenes: list[ScenePlan]
    fps: int
    transition_frames: int

    @property
    def total_frames(self) -> int:
        return sum(scene.slot_frames for scene in self.scenes)

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps


def overrun_problem(job: RenderJob, plan: TimelinePlan) -> str | None:
    """Why the spoken video would be too long for the request's target, or None when it fits.

    The script's durations are estimates; the voice's real ones are known only now. A voice may read a script far
    slower than estimated (espeak-ng's Mandarin voice spells Arabic and Hebrew letter by letter), and a video twice
    its target must not be encoded and shipped as if it fitted."""
    if job.target_seconds is None:
        return None
    high = duration_bounds(job.target_seconds)[1]
    if plan.duration <= high:
        return None
    longest = sorted(range(len(plan.scenes)), key=lambda i: -plan.scenes[i].slot_frames)[:3]
    scenes = ", ".join(f"scene {i} {plan.scenes[i].slot_frames / plan.fps:.1f}s" for i in sorted(longest))
    return (
        f"narration overruns the target: spoken, the video lasts {plan.duration:.1f}s, longer than the {high:.1f}s"
        f" allowed for a {job.target_seconds:.0f}s target (longest scenes: {scenes}); shorten the narration, raise"
        " target_duration or use a voice for the article's language"
    )


def plan_timeline(job: RenderJob, narrations: list[Narration | None]) -> TimelinePlan:
    """Give every scene an exact frame count so narration drives timing and xfade offsets never drift."""
    overlap = job.transition_frames
    # A middle scene must keep at least one frame of its own between its head and tail transitions.
    min_slot = max(math.ceil(MIN_SCENE_SECONDS * job.fps), overlap + 1)
    plans: list[ScenePlan] = []
    start = 0
    for index, (clip, narration) in enumerate(zip(job.scenes, narrations, strict=True)):
        if narration is not None:
            seconds = NARRATION_LEAD + narration.duration + NARRATION_TAIL
        elif clip.kind == "video":
            clip_in, clip_out = clip.window()
            seconds = clip_out - clip_in
        else:
            seconds = SILENT_IMAGE_SECONDS
        slot = max(math.ceil(seconds * job.fps), min_slot)
        frames = slot + (overlap if index < len(job.scenes) - 1 else 0)
        plans.append(ScenePlan(clip=clip, narration=narration, start_frame=start, slot_frames=slot, frames=frames))
        start += slot
    return TimelinePlan(scenes=plans, fps=job.fps, transition_frames=overlap)
