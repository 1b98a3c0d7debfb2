"""ffprobe / frame sampling helpers for render tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np


def probe_streams(path: Path) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def stream(info: dict, kind: str) -> dict:
    return next(s for s in info["streams"] if s["codec_type"] == kind)


def frame_at(path: Path, seconds: float, size: tuple[int, int]) -> np.ndarray:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{seconds:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(size[1], size[0], 3)


def bright_share(region: np.ndarray, level: int = 60) -> float:
    return float((region.max(axis=2) > level).mean())


def image_shift(before: np.ndarray, after: np.ndarray) -> tuple[int, int, float]:
    """(dy, dx, peak) by phase correlation: how far the picture content moved, and how clearly (peak near 1)."""
    spectra = [np.fft.fft2(frame.astype(np.float64).mean(axis=2)) for frame in (before, after)]
    cross = spectra[1] * np.conj(spectra[0])
    correlation = np.fft.ifft2(cross / np.maximum(np.abs(cross), 1e-9)).real
    dy, dx = np.unravel_index(int(correlation.argmax()), correlation.shape)
    height, width = correlation.shape
    return (
        (int(dy) - height if dy > height // 2 else int(dy)),
        (int(dx) - width if dx > width // 2 else int(dx)),
        float(correlation.max()),
    )


def gray_frames(path: Path, size: tuple[int, int]) -> np.ndarray:
    """Every frame, scaled down to `size` and converted to 8-bit luma: shape (frames, height, width)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"scale={size[0]}:{size[1]}", "-f", "rawvideo"]
        + ["-pix_fmt", "gray", "pipe:1"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size[1], size[0])


def loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a file's audio, read by loudnorm's analysis pass."""
    stderr = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "loudnorm=print_format=json", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    report = json.loads(stderr[stderr.rindex("{") :])
    return float(report["input_i"]), float(report["input_tp"])
