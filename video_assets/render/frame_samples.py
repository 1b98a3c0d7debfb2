"""The frames a render's black check judges (when, and at what size), and the tap that has the main pass write a
grey, low-resolution copy of exactly those frames, so a fresh render is judged without decoding it again.

Decoding a 45 s 1080x1920 render to sample it cost about 2 s per video on the 2-core machine, a third of a render
step's time outside its ffmpeg pass; the tap costs the pass a `split` (a reference, not a copy) and scaling the
twenty-odd frames it keeps. An imported video (external merge) is still sampled by decoding it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from video_assets.render.errors import RenderError

SAMPLE_EVERY_SECONDS = 2.0
# Frames are judged at this long side: small enough to pipe, large enough that a star is not averaged away.
SAMPLE_LONG_SIDE = 480


def sample_times(
    duration: float, scene_spans: tuple[tuple[float, float], ...] = (), every: float = SAMPLE_EVERY_SECONDS
) -> list[float]:
    """The middle of every scene and of every `every`-second stretch (the last one may be shorter), so no scene
    and no stretch of the video goes unseen."""
    stretches = [(start, min(start + every, duration)) for start in np.arange(0.0, duration, every)]
    middles = {round(float(start + end) / 2, 3) for start, end in [*stretches, *scene_spans]}
    return sorted(at for at in middles if 0 <= at < duration)


def sample_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, SAMPLE_LONG_SIDE / max(width, height, 1))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


@dataclass(frozen=True)
class FrameTap:
    """Output frames `frames` (numbers from 0, ascending), written grey at `size` to `path` by the main pass."""

    path: Path
    frames: tuple[int, ...]
    fps: int
    size: tuple[int, int]
    total_frames: int

    @classmethod
    def for_render(
        cls,
        total_frames: int,
        fps: int,
        scene_spans: tuple[tuple[float, float], ...],
        canvas: tuple[int, int],
        path: Path,
    ) -> FrameTap:
        """The first frame at or after each sample time: the frame a decode of the output would show there."""
        duration = total_frames / fps
        # A hair under the time, so a time that is a whole frame's start keeps that frame despite float rounding.
        wanted = {min(math.ceil(at * fps - 1e-6), total_frames - 1) for at in sample_times(duration, scene_spans)}
        return cls(path, tuple(sorted(wanted)), fps, sample_size(*canvas), total_frames)

    def selection(self) -> str:
        """The `select` expression that keeps exactly these frames."""
        return "+".join(f"eq(n,{frame})" for frame in self.frames)

    def lead_seconds(self) -> float:
        """How far ahead the tapped frames are stamped: one frame more than the longest stretch without one.

        ffmpeg requests frames for whichever output lags most. A tap that lags (it keeps a frame every two seconds)
        would be pulled alone, and the soundtrack's padding, made only on request, cut short at the end; stamped
        this far ahead it never lags. ffmpeg's progress reads the furthest output, so it runs at most this far
        ahead of the encode."""
        bounds = [0, *self.frames, self.total_frames]
        return (max(later - earlier for earlier, later in zip(bounds, bounds[1:], strict=False)) + 1) / self.fps

    def times(self) -> list[float]:
        return [round(frame / self.fps, 3) for frame in self.frames]

    def read(self) -> np.ndarray:
        """One row of grey pixels per tapped frame."""
        pixels = self.size[0] * self.size[1]
        frames = np.fromfile(self.path, dtype=np.uint8) if self.path.is_file() else np.empty(0, np.uint8)
        if frames.size != pixels * len(self.frames):
            raise RenderError(
                f"the render's frame tap holds {frames.size // pixels} of its {len(self.frames)} sampled frames"
            )
        return frames.reshape(-1, pixels)
