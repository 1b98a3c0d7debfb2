"""Real test media: public-domain photos shipped in scikit-image and clips made by ffmpeg's lavfi sources."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skimage_data

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "coins", "hubble_deep_field", "immunohistochemistry")


def photo(name: str, dest: Path, size: tuple[int, int] | None = None, exif_orientation: int | None = None) -> Path:
    """Write a scikit-image sample photo as JPEG/PNG (by suffix), optionally resized and EXIF-rotated."""
    pixels = np.asarray(getattr(skimage_data, name)())
    image = Image.fromarray(pixels).convert("RGB")
    if size is not None:
        image = image.resize(size)
    exif = Image.Exif()
    if exif_orientation is not None:
        exif[0x0112] = exif_orientation
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.suffix.lower() in (".jpg", ".jpeg"):
        image.save(dest, quality=90, exif=exif.tobytes())
    else:
        image.save(dest)
    return dest


def clip(
    dest: Path,
    width: int = 640,
    height: int = 360,
    seconds: float = 3.0,
    fps: int = 30,
    codec: str = "libx264",
    source: str = "testsrc2",
    audio: bool = True,
    rotation: int | None = None,
) -> Path:
    """Make a real clip with ffmpeg lavfi; `rotation` writes display-matrix side data like a phone does."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    options = f"size={width}x{height}:rate={fps}"
    video_source = f"{source}:{options}" if "=" in source else f"{source}={options}"
    cmd = ["ffmpeg", "-v", "error", "-y", "-t", str(seconds), "-f", "lavfi", "-i", video_source]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    cmd += ["-c:v", codec]
    if codec == "libx264":
        cmd += ["-pix_fmt", "yuv420p", "-preset", "veryfast", "-crf", "28"]
    if audio:
        cmd += [
            "-c:a",
            "aac" if dest.suffix in (".mp4", ".mov", ".mkv") else "libvorbis" if dest.suffix == ".webm" else "mp2",
        ]
    cmd += ["-shortest", str(dest)]
    subprocess.run(cmd, check=True)
    if rotation is not None:
        rotated = dest.with_name(f"rotated-{dest.name}")
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-i",
                str(dest),
                "-c",
                "copy",
                "-metadata:s:v:0",
                f"rotate={rotation}",
                str(rotated),
            ],
            check=True,
        )
        rotated.replace(dest)
    return dest


def tone(dest: Path, seconds: float, frequency: int = 330, sample_rate: int = 44100) -> Path:
    """A real audio file (format from the suffix) from ffmpeg's sine source: background music or stand-in speech."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = f"sine=frequency={frequency}:sample_rate={sample_rate}:duration={seconds}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, str(dest)], check=True)
    return dest
