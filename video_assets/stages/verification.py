"""Post-render checks with one ffprobe and one keyframe decode: the measurements the rendered_videos checks read."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from video_assets.deadlines import PROBE_TIMEOUT_S, run_with_deadline
from video_assets.media import probe_media
from video_assets.media.tools import file_arg
from video_assets.render.errors import RenderError

DURATION_TOLERANCE_SECONDS = 0.5
BLACK_LUMA = 16
SAMPLE_SIZE = (64, 112)


@dataclass(frozen=True)
class RenderVerification:
    duration: float
    planned_duration: float
    width: int
    height: int
    has_audio: bool
    black_frame_share: float
    sampled_frames: int

    def duration_ok(self) -> bool:
        return abs(self.duration - self.planned_duration) <= DURATION_TOLERANCE_SECONDS

    def resolution_ok(self, canvas: tuple[int, int]) -> bool:
        return (self.width, self.height) == canvas

    def mostly_black(self) -> bool:
        return self.black_frame_share > 0.5

    def verdicts(self, canvas: tuple[int, int]) -> dict[str, bool]:
        """Every ERROR-severity render check, by the name the rendered_videos asset check has."""
        return {
            "duration_matches_plan": self.duration_ok(),
            "canvas_resolution": self.resolution_ok(canvas),
            "has_audio_stream": self.has_audio,
            "not_mostly_black": not self.mostly_black(),
        }

    def failure_reason(self, canvas: tuple[int, int]) -> str | None:
        failed = [name for name, ok in self.verdicts(canvas).items() if not ok]
        if not failed:
            return None
        return f"failed checks {', '.join(failed)}: " + ", ".join(f"{k}={v}" for k, v in self.as_record().items())

    def as_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> RenderVerification:
        return cls(**record)


def verify_render(video: Path, planned_duration: float) -> RenderVerification:
    probe = probe_media(video, "video/mp4")
    lumas = _keyframe_lumas(video)
    return RenderVerification(
        duration=round(probe.duration or 0.0, 3),
        planned_duration=round(planned_duration, 3),
        width=probe.width,
        height=probe.height,
        has_audio=probe.has_audio,
        black_frame_share=round(float((lumas < BLACK_LUMA).mean()), 3) if lumas.size else 1.0,
        sampled_frames=int(lumas.size),
    )


def _keyframe_lumas(video: Path) -> np.ndarray:
    """Mean luma of every keyframe, from one ffmpeg run that decodes nothing else: the encoder places keyframes
    across the whole video (at least one per GOP and at scene cuts), so they sample it at a fraction of a full
    decode's cost."""
    width, height = SAMPLE_SIZE
    result = run_with_deadline(
        [
            "ffmpeg",
            "-v",
            "error",
            "-skip_frame",
            "nokey",
            "-i",
            file_arg(video),
            "-an",
            "-vf",
            f"scale={width}:{height},format=gray",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "pipe:1",
        ],
        f"sampling the keyframes of {video.name}",
        PROBE_TIMEOUT_S,
        RenderError,
    )
    if result.returncode != 0:
        raise RenderError(f"cannot sample the keyframes of {video.name}: {result.stderr.strip()[-300:]}")
    frames = np.frombuffer(result.stdout, dtype=np.uint8)
    return frames[: frames.size // (width * height) * width * height].reshape(-1, width * height).mean(axis=1)
