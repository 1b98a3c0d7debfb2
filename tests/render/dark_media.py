"""Real dark media for the black-frame check: a generated night sky, a darkened lavfi clip, a black clip."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

NIGHT_SKY_SIZE = (1600, 900)


def night_sky(dest: Path, stars: int = 600, seed: int = 7) -> Path:
    """A deep-blue sky fading to near-black at the horizon (luma about 12 down to 3 of 255), with small bright
    stars of one or two pixels: darker than most real night photos."""
    width, height = NIGHT_SKY_SIZE
    fade = np.linspace(1.0, 0.2, height)[:, None, None]
    sky = np.broadcast_to(fade * np.array([8.0, 12.0, 28.0]), (height, width, 3)).copy()
    rng = np.random.default_rng(seed)
    for _ in range(stars):
        x, y, size = rng.integers(0, width - 2), rng.integers(0, height - 2), rng.integers(1, 3)
        sky[y : y + size, x : x + size] = rng.integers(140, 256)
    dest.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sky.astype(np.uint8)).save(dest)
    return dest


def dark_room_clip(dest: Path, seconds: float = 4.0) -> Path:
    """lavfi's testsrc2 dimmed to a dark room: low brightness, low contrast."""
    return _filtered_clip(dest, "testsrc2=size=640x360:rate=30", "eq=brightness=-0.4:contrast=0.4", seconds)


def black_clip_with_speck(dest: Path, seconds: float = 4.0) -> Path:
    """A black clip with one small white square: not a flat colour (ingestion accepts it), black on screen."""
    return _filtered_clip(
        dest, "color=c=black:size=640x360:rate=30", "drawbox=x=300:y=160:w=24:h=24:color=white:t=fill", seconds
    )


def _filtered_clip(dest: Path, source: str, video_filter: str, seconds: float) -> Path:
    """A lavfi source through one filter, with a tone for its sound track, as H.264 + AAC."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tone = f"sine=frequency=440:sample_rate=44100:duration={seconds}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-f", "lavfi", "-i", tone, "-t", str(seconds)]
        + ["-vf", video_filter, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(dest)],
        check=True,
    )
    return dest
