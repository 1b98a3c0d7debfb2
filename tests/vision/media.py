"""Test media beyond tests/media_samples: a two-shot clip and keyframes, made with the real ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path


def two_shot_clip(dest: Path, first: str = "testsrc2", second: str = "rgbtestsrc", seconds: float = 2.0) -> Path:
    """A clip whose content changes completely at `seconds`: a hard cut between two lavfi sources."""
    size = "size=320x180:rate=30"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{first}={size}:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"{second}={size}:duration={seconds}",
            "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1[v]",
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(dest),
        ],
        check=True,
    )
    return dest


def keyframes(video: Path, dest_dir: Path, times: list[float]) -> list[Path]:
    dest_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, time in enumerate(times):
        path = dest_dir / f"{video.stem}-{index}.jpg"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-ss", str(time), "-i", str(video), "-frames:v", "1", str(path)], check=True
        )
        paths.append(path)
    return paths
