"""Post-render checks with ffprobe and sampled frames: what the rendered_videos asset checks assert."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from video_assets.deadlines import PROBE_TIMEOUT_S, run_with_deadline
from video_assets.media import probe_media
from video_assets.media.tools import file_arg
from video_assets.render.errors import RenderError

DURATION_TOLERANCE_SECONDS = 0.5
BLACK_LUMA = 16
SAMPLED_FRAMES = 8
SAMPLE_SIZE = (64, 112)


@dataclass(frozen=True)
class RenderVerification:
    duration: float
    planned_duration: float
    width: int
    height: int
    has_audio: bool
    black_frame_share: float

    def duration_ok(self) -> bool:
        return abs(self.duration - self.planned_duration) <= DURATION_TOLERANCE_SECONDS

    def resolution_ok(self, canvas: tuple[int, int]) -> bool:
        return (self.width, self.height) == canvas

    def mostly_black(self) -> bool:
        return self.black_frame_share > 0.5


def verify_render(video: Path, planned_duration: float) -> RenderVerification:
    probe = probe_media(video, "video/mp4")
    duration = probe.duration or 0.0
    means = [_mean_luma(video, duration * (i + 0.5) / SAMPLED_FRAMES) for i in range(SAMPLED_FRAMES)]
    return RenderVerification(
        duration=round(duration, 3),
        planned_duration=round(planned_duration, 3),
        width=probe.width,
        height=probe.height,
        has_audio=probe.has_audio,
        black_frame_share=sum(mean < BLACK_LUMA for mean in means) / len(means),
    )


def _mean_luma(video: Path, seconds: float) -> float:
    width, height = SAMPLE_SIZE
    result = run_with_deadline(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{seconds:.3f}",
            "-i",
            file_arg(video),
            "-frames:v",
            "1",
            "-vf",
            f"scale={width}:{height}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "pipe:1",
        ],
        f"sampling a frame of {video.name} at {seconds:.3f} s",
        PROBE_TIMEOUT_S,
        RenderError,
    )
    if result.returncode != 0:
        raise RenderError(f"cannot sample a frame of {video.name} at {seconds:.3f} s: {result.stderr.strip()[-300:]}")
    return float(np.frombuffer(result.stdout, dtype=np.uint8).mean()) if result.stdout else 0.0
