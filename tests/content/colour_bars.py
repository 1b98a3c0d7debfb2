"""Colour bars, and RGB measured from decoded video with BT.709 equations written out here, not swscale's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

# 75% bars (ITU-R BT.801 levels) in a 2 x 4 grid, so every bar is large at any aspect.
BARS = [
    (191, 191, 191),
    (191, 191, 0),
    (0, 191, 191),
    (0, 191, 0),
    (191, 0, 191),
    (191, 0, 0),
    (0, 0, 191),
    (16, 16, 16),
]
KR, KB = 0.2126, 0.0722  # BT.709 luma coefficients


def bars_image(path: Path, size: tuple[int, int]) -> Path:
    width, height = size
    picture = np.zeros((height, width, 3), dtype=np.uint8)
    for index, colour in enumerate(BARS):
        row, column = divmod(index, 2)
        picture[row * height // 4 : (row + 1) * height // 4, column * width // 2 : (column + 1) * width // 2] = colour
    Image.fromarray(picture).save(path)
    return path


def decode_frame(video: Path, at: float, size: tuple[int, int]) -> np.ndarray:
    """One frame as limited-range YUV 4:2:0 bytes, turned into RGB with the BT.709 matrix."""
    width, height = size
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{at:.3f}", "-i", str(video), "-frames:v", "1"]
        + ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    luma = np.frombuffer(raw[: width * height], np.uint8).reshape(height, width).astype(np.float64)
    chroma = np.frombuffer(raw[width * height :], np.uint8).astype(np.float64)
    half = (height // 2, width // 2)
    cb = chroma[: half[0] * half[1]].reshape(half).repeat(2, 0).repeat(2, 1)
    cr = chroma[half[0] * half[1] :].reshape(half).repeat(2, 0).repeat(2, 1)
    y, u, v = (luma - 16) / 219, (cb - 128) / 224, (cr - 128) / 224
    red = y + 2 * (1 - KR) * v
    blue = y + 2 * (1 - KB) * u
    green = (y - KR * red - KB * blue) / (1 - KR - KB)
    return np.clip(np.stack([red, green, blue], axis=-1) * 255, 0, 255)


def measured_bars(frame: np.ndarray) -> list[tuple[float, float, float] | None]:
    """Median colour of each bar's flat interior (pixels whose 9x9 neighbourhood barely varies), found by nearest
    colour, so the measurement does not depend on where panning or cropping put the bars."""
    quantised = frame.astype(np.int32)
    flat = np.ones(frame.shape[:2], dtype=bool)
    for dy in range(-4, 5, 2):
        for dx in range(-4, 5, 2):
            shifted = np.roll(np.roll(quantised, dy, axis=0), dx, axis=1)
            flat &= np.abs(shifted - quantised).max(axis=2) <= 6
    flat[:4], flat[-4:], flat[:, :4], flat[:, -4:] = False, False, False, False
    pixels = frame[flat]
    nearest = np.argmin(((pixels[:, None, :] - np.array(BARS)[None, :, :]) ** 2).sum(axis=2), axis=1)
    found: list[tuple[float, float, float] | None] = []
    for index in range(len(BARS)):
        members = pixels[nearest == index]
        found.append(tuple(np.median(members, axis=0)) if len(members) >= 100 else None)
    return found


def worst_error(frame: np.ndarray) -> float:
    """Largest difference of any channel of any bar from its source value; inf when a bar is missing."""
    errors = [
        float(np.abs(np.array(measured) - np.array(source)).max()) if measured is not None else float("inf")
        for measured, source in zip(measured_bars(frame), BARS, strict=True)
    ]
    return max(errors)
