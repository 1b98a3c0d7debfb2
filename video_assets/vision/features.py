"""`cv_features`: the OpenCV half of a material's analysis, stored as JSON next to the LLM description."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from video_assets.vision import measures
from video_assets.vision.frames import FrameReadError, SampledFrames, read_image, sample_video

MIN_SHOT_SECONDS = 0.5  # two cuts closer than this are one flash/glitch, not two shots


class VisionError(Exception):
    """A material could not be analysed; the message names the file and the reason."""


class CvFeatures(BaseModel):
    """Computer-vision features of one material. Brightness, motion are 0..1; sharpness is Laplacian variance."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["image", "video"]
    duration: float | None = Field(default=None, description="seconds, videos only")
    sampled_frames: int
    scene_cuts: list[float] = Field(default_factory=list, description="seconds where a new shot starts")
    sharpness: float = Field(ge=0.0, description="median variance of the Laplacian at 320 px width")
    brightness: float = Field(ge=0.0, le=1.0, description="mean HSV value")
    motion: float = Field(ge=0.0, le=1.0, description="mean absolute frame difference within shots; 0 for images")
    dominant_colors: list[str] = Field(default_factory=list, description="hex colours, largest cluster first")
    best_frame_index: int | None = Field(default=None, description="index into the keyframes given, if any")
    best_frame_time: float | None = Field(default=None, description="seconds, the best sampled frame of a video")

    def segments(self) -> list[tuple[float, float]]:
        """Shots as (start, end) seconds, split at the scene cuts; a single (0, duration) shot without cuts."""
        if self.kind != "video" or not self.duration:
            return []
        bounds = [0.0, *[cut for cut in self.scene_cuts if 0.0 < cut < self.duration], self.duration]
        return [(start, end) for start, end in pairwise(bounds) if end > start]


def cv_features(media_path: Path, kind: Literal["image", "video"], keyframe_paths: list[Path]) -> CvFeatures:
    """Measure a normalised material; raises VisionError with the file name and reason when it cannot be read."""
    media_path = Path(media_path)
    if kind not in ("image", "video"):
        raise VisionError(f"{media_path.name}: unknown material kind {kind!r} (expected 'image' or 'video')")
    if not media_path.is_file():
        raise VisionError(f"{media_path}: file not found")
    try:
        sampled = _sample(media_path, kind)
        keyframes = [read_image(Path(path)) for path in keyframe_paths]
    except FrameReadError as error:
        raise VisionError(str(error)) from error
    return _measure(kind, sampled, keyframes)


def _sample(media_path: Path, kind: str) -> SampledFrames:
    if kind == "image":
        return SampledFrames(frames=[read_image(media_path)], times=[0.0], duration=None)
    return sample_video(media_path)


def _measure(kind: Literal["image", "video"], sampled: SampledFrames, keyframes: list[np.ndarray]) -> CvFeatures:
    frames, times = sampled.frames, sampled.times
    sharpness_values = [measures.sharpness(frame) for frame in frames]
    brightness_values = [measures.brightness(frame) for frame in frames]
    cut_indices = _cut_indices(frames, times) if kind == "video" else []
    frame_scores = [_frame_score(s, b) for s, b in zip(sharpness_values, brightness_values, strict=True)]
    best_sample = int(np.argmax(frame_scores))
    return CvFeatures(
        kind=kind,
        duration=round(sampled.duration, 3) if sampled.duration else None,
        sampled_frames=len(frames),
        scene_cuts=[times[i] for i in cut_indices],
        sharpness=round(float(np.median(sharpness_values)), 2),
        brightness=round(float(np.mean(brightness_values)), 4),
        motion=round(_motion(frames, set(cut_indices)), 4) if kind == "video" else 0.0,
        dominant_colors=measures.dominant_colors(frames[best_sample]),
        best_frame_index=_best_keyframe(keyframes),
        best_frame_time=times[best_sample] if kind == "video" else None,
    )


def _cut_indices(frames: list[np.ndarray], times: list[float]) -> list[int]:
    """Indices of sampled frames that start a new shot; the cut lies between that sample and the previous one."""
    histograms = [measures.hs_histogram(frame) for frame in frames]
    cuts: list[int] = []
    for index in range(1, len(frames)):
        if measures.histogram_distance(histograms[index - 1], histograms[index]) < measures.CUT_DISTANCE:
            continue
        if cuts and times[index] - times[cuts[-1]] < MIN_SHOT_SECONDS:
            continue
        cuts.append(index)
    return cuts


def _motion(frames: list[np.ndarray], cut_indices: set[int]) -> float:
    # Differences across a cut measure the edit, not movement in the shot.
    diffs = [measures.frame_difference(frames[i - 1], frames[i]) for i in range(1, len(frames)) if i not in cut_indices]
    return float(np.mean(diffs)) if diffs else 0.0


def _frame_score(frame_sharpness: float, frame_brightness: float) -> float:
    # log scale: Laplacian variance spans orders of magnitude, exposure should still matter between sharp frames.
    return float(np.log1p(frame_sharpness)) * (0.2 + measures.exposure_score(frame_brightness))


def _best_keyframe(keyframes: list[np.ndarray]) -> int | None:
    if not keyframes:
        return None
    scores = [_frame_score(measures.sharpness(frame), measures.brightness(frame)) for frame in keyframes]
    return int(np.argmax(scores))
