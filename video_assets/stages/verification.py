"""Post-render checks with one ffprobe and the sampled frames (tapped by a fresh render's own pass, decoded from an
imported video): the measurements the rendered_videos checks read."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from video_assets.media import probe_media
from video_assets.render.frame_samples import FrameTap, sample_times
from video_assets.stages.black_frames import FrameSample, sample_frames, tapped_frames

DURATION_TOLERANCE_SECONDS = 0.5
MOSTLY_BLACK_SHARE = 0.5
# The measurements each check judges: a failed check shows these for every variant that failed it.
CHECK_FIGURES = {
    "duration_matches_plan": ("duration", "planned_duration"),
    "canvas_resolution": ("width", "height"),
    "has_audio_stream": ("has_audio",),
    "not_mostly_black": ("black_frame_share", "sampled_frames", "black_at", "mean_luma"),
}


@dataclass(frozen=True)
class RenderVerification:
    duration: float
    planned_duration: float
    width: int
    height: int
    has_audio: bool
    black_frame_share: float
    sampled_frames: int
    # Seconds at which a sampled frame was black, and the mean luma (0-255) of all samples; absent from the
    # measurements recorded before frames were sampled per scene.
    black_at: list[float] = field(default_factory=list)
    mean_luma: float | None = None
    # Every sampled frame's figures, for the review of a rejected render; not part of the stored record.
    frames: tuple[FrameSample, ...] = field(default=(), compare=False, repr=False)

    def duration_ok(self) -> bool:
        return abs(self.duration - self.planned_duration) <= DURATION_TOLERANCE_SECONDS

    def resolution_ok(self, canvas: tuple[int, int]) -> bool:
        return (self.width, self.height) == canvas

    def mostly_black(self) -> bool:
        return self.black_frame_share > MOSTLY_BLACK_SHARE

    def verdicts(self, canvas: tuple[int, int]) -> dict[str, bool]:
        """Every ERROR-severity render check, by the name the rendered_videos asset check has."""
        return {
            "duration_matches_plan": self.duration_ok(),
            "canvas_resolution": self.resolution_ok(canvas),
            "has_audio_stream": self.has_audio,
            "not_mostly_black": not self.mostly_black(),
        }

    def failure_reason(self, canvas: tuple[int, int]) -> str | None:
        """The failed checks with the figures that failed them, e.g. `failed checks not_mostly_black:
        black_frame_share=1.0, sampled_frames=4, black_at=[1.0, 3.0, 5.0, ... 1 more], mean_luma=0.4`."""
        failed = [name for name, ok in self.verdicts(canvas).items() if not ok]
        if not failed:
            return None
        figures = {name: value for check in failed for name, value in self.figures(check).items()}
        return f"failed checks {', '.join(failed)}: " + ", ".join(f"{k}={_brief(v)}" for k, v in figures.items())

    def as_record(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "frames"}

    def figures(self, check_name: str) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CHECK_FIGURES.get(check_name, ())}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> RenderVerification:
        return cls(**record)


def verify_render(
    video: Path,
    planned_duration: float,
    scene_spans: tuple[tuple[float, float], ...] = (),
    tap: FrameTap | None = None,
) -> RenderVerification:
    """`scene_spans` (start, end seconds) puts a sample in every scene; without them (an imported video) the
    samples are spread every few seconds. A fresh render's `tap` holds the very frames it encoded at those times,
    so its video is probed but not decoded again."""
    probe = probe_media(video, "video/mp4")
    duration = probe.duration or 0.0
    if not duration:
        frames = []
    elif tap is not None:
        frames = tapped_frames(tap)
    else:
        frames = sample_frames(video, sample_times(duration, scene_spans), probe.width, probe.height)
    black = [frame for frame in frames if frame.black]
    return RenderVerification(
        duration=round(duration, 3),
        planned_duration=round(planned_duration, 3),
        width=probe.width,
        height=probe.height,
        has_audio=probe.has_audio,
        black_frame_share=round(len(black) / len(frames), 3) if frames else 1.0,
        sampled_frames=len(frames),
        black_at=[frame.at for frame in black],
        mean_luma=round(sum(frame.mean_luma for frame in frames) / len(frames), 2) if frames else None,
        frames=tuple(frames),
    )


def _brief(value: object, shown: int = 3) -> str:
    """A long list (the times of black frames) cut short, so a reason stays one readable line."""
    if isinstance(value, list) and len(value) > shown:
        return "[" + ", ".join(map(str, value[:shown])) + f", ... {len(value) - shown} more]"
    return str(value)
