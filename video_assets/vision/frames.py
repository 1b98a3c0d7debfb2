"""Cheap frame sampling: at most a few frames per second, downscaled, decoded by ffmpeg into BGR arrays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from video_assets.deadlines import PROBE_TIMEOUT_S, pass_budget, run_with_deadline

ANALYSIS_WIDTH = 320
MAX_SAMPLE_FPS = 2.0
MAX_SAMPLED_FRAMES = 240  # bounds memory and time for long clips: 240 frames of 320 px is ~40 MB


class FrameReadError(Exception):
    """The media could not be decoded into frames."""


@dataclass(frozen=True)
class SampledFrames:
    frames: list[np.ndarray]
    times: list[float]
    duration: float | None


def downscale(image: np.ndarray, width: int = ANALYSIS_WIDTH) -> np.ndarray:
    height, current_width = image.shape[:2]
    if current_width <= width:
        return image
    new_height = max(1, round(height * width / current_width))
    return cv2.resize(image, (width, new_height), interpolation=cv2.INTER_AREA)


def read_image(path: Path) -> np.ndarray:
    # imdecode instead of imread: it copes with non-ASCII paths and reports failures as None.
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise FrameReadError(f"{path.name}: not a decodable image")
    return downscale(image)


def probe_duration(path: Path, timeout: float = PROBE_TIMEOUT_S) -> float | None:
    result = run_with_deadline(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        f"{path.name}: ffprobe",
        timeout,
        FrameReadError,
    )
    if result.returncode != 0:
        raise FrameReadError(f"{path.name}: ffprobe failed: {result.stderr.strip()[:300]}")
    duration = json.loads(result.stdout or b"{}").get("format", {}).get("duration")
    return float(duration) if duration not in (None, "N/A") else None


def sample_video(path: Path, timeout: float | None = None) -> SampledFrames:
    """Decode at <= 2 fps (fewer for long clips) and 320 px wide; ffmpeg applies rotation side data for us.

    `timeout` defaults to a budget scaled from the media ffmpeg decodes: all of it, or when the duration is
    unknown, as much as the frame cap lets it read."""
    duration = probe_duration(path)
    fps = MAX_SAMPLE_FPS if not duration else min(MAX_SAMPLE_FPS, MAX_SAMPLED_FRAMES / duration)
    budget = pass_budget(duration or MAX_SAMPLED_FRAMES / fps) if timeout is None else timeout
    # eof_action=pass: the fps filter otherwise gives nothing for a clip shorter than half its interval (fewer than 8
    # frames at 30 fps), and such a clip decodes fine.
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-nostdin",
        "-i",
        str(path),
        "-an",
        "-sn",
        "-vf",
        f"fps={fps:.6f}:eof_action=pass,scale='min({ANALYSIS_WIDTH},iw)':-2",
        "-frames:v",
        str(MAX_SAMPLED_FRAMES),
        "-f",
        "image2pipe",
        "-c:v",
        "ppm",
        "-",
    ]
    result = run_with_deadline(cmd, f"{path.name}: frame sampling", budget, FrameReadError)
    if result.returncode != 0:
        raise FrameReadError(f"{path.name}: ffmpeg could not decode the video: {result.stderr[-300:].strip()}")
    frames = _split_ppm_stream(result.stdout)
    if not frames:
        raise FrameReadError(f"{path.name}: the video has no decodable frames")
    return SampledFrames(frames=frames, times=[round(i / fps, 3) for i in range(len(frames))], duration=duration)


def _split_ppm_stream(stream: bytes) -> list[np.ndarray]:
    """Each PPM frame carries its own header ("P6 w h 255\\n"), so frame sizes need no separate probe."""
    frames: list[np.ndarray] = []
    offset = 0
    while offset < len(stream):
        header_fields: list[bytes] = []
        cursor = offset
        while len(header_fields) < 4:
            end = cursor
            while stream[end : end + 1].isspace():
                end += 1
            start = end
            while end < len(stream) and not stream[end : end + 1].isspace():
                end += 1
            header_fields.append(stream[start:end])
            cursor = end
        cursor += 1  # the single whitespace byte after maxval
        width, height = int(header_fields[1]), int(header_fields[2])
        size = width * height * 3
        rgb = np.frombuffer(stream[cursor : cursor + size], dtype=np.uint8).reshape(height, width, 3)
        frames.append(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        offset = cursor + size
    return frames
