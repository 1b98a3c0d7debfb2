"""What a material is: kind, display size (after rotation), duration, frame rate and codecs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from video_assets.media.errors import MaterialRejected
from video_assets.media.sniff import IMAGE_TYPES, require_supported, sniff_file
from video_assets.media.tools import INPUT_GUARD, file_arg, run_tool

PROBE_TIMEOUT_S = 60.0
EXIF_ORIENTATION_TAG = 0x0112
# EXIF orientation -> counter-clockwise degrees, the same convention as ffprobe's display-matrix "rotation".
_EXIF_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 270, 6: 270, 7: 90, 8: 90}

MediaKind = Literal["image", "video"]


@dataclass(frozen=True)
class MediaProbe:
    """`width`/`height` are display dimensions, i.e. after rotation; `rotation` is counter-clockwise degrees
    (0, 90, 180, 270) as in ffprobe's display matrix. Images have no duration or fps."""

    kind: MediaKind
    mime: str
    width: int
    height: int
    duration: float | None
    fps: float | None
    rotation: int
    video_codec: str | None
    audio_codec: str | None
    has_audio: bool
    container: str
    pix_fmt: str | None = None


def probe_media(path: Path, mime: str | None = None) -> MediaProbe:
    """Probe a local file; `mime` is the sniffed type (sniffed again when omitted). Raises MaterialRejected."""
    if not path.is_file() or path.stat().st_size == 0:
        raise MaterialRejected("the file is empty" if path.is_file() else f"file not found: {path}")
    mime = mime or sniff_file(path)
    require_supported(mime)
    if mime in IMAGE_TYPES and not is_animated_image(path):
        return _probe_image(path, mime)
    return _probe_video(path, mime)


def open_image(path: Path) -> Image.Image:
    """Open an image lazily (header only), turning Pillow's failures into readable rejections."""
    try:
        return Image.open(path)
    except Image.DecompressionBombError as error:
        raise MaterialRejected(f"image refused as a possible decompression bomb: {error}") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise MaterialRejected(f"unreadable image: {error}") from error


def is_animated_image(path: Path) -> bool:
    """Only animated GIFs count as video: ffmpeg 5.1 cannot decode animated WebP, so those keep their first frame."""
    with open_image(path) as image:
        return image.format == "GIF" and getattr(image, "n_frames", 1) > 1


def _probe_image(path: Path, mime: str) -> MediaProbe:
    # Image.open reads only the header, so a decompression bomb is measured here without being decoded.
    with open_image(path) as image:
        width, height = image.size
        orientation = image.getexif().get(EXIF_ORIENTATION_TAG, 1)
        container = (image.format or "unknown").lower()
    if width <= 0 or height <= 0:
        raise MaterialRejected(f"image has no pixels ({width}x{height})")
    rotation = _EXIF_ROTATION.get(orientation if isinstance(orientation, int) else 1, 0)
    if rotation in (90, 270):
        width, height = height, width
    return MediaProbe(
        kind="image",
        mime=mime,
        width=width,
        height=height,
        duration=None,
        fps=None,
        rotation=rotation,
        video_codec=None,
        audio_codec=None,
        has_audio=False,
        container=container,
    )


def _probe_video(path: Path, mime: str) -> MediaProbe:
    cmd = [
        "ffprobe",
        "-v",
        "error",
        *INPUT_GUARD,
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        file_arg(path),
    ]
    report = _parse_json(run_tool(cmd, "reading the file with ffprobe", PROBE_TIMEOUT_S).stdout)
    streams = [s for s in report.get("streams", []) if not s.get("disposition", {}).get("attached_pic")]
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        raise MaterialRejected("no video stream found (the file is audio-only, truncated or corrupt)")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MaterialRejected("the video stream has no frame size (truncated or corrupt file)")
    duration = _first_float(report.get("format", {}).get("duration"), video.get("duration"))
    # No duration at all is a live recording or a raw stream (ingestion transcodes it); zero is a broken file.
    if duration is not None and duration <= 0:
        raise MaterialRejected("the video has zero duration (truncated or corrupt file)")
    rotation = _rotation(video)
    if rotation in (90, 270):
        width, height = height, width
    return MediaProbe(
        kind="video",
        mime=mime,
        width=width,
        height=height,
        duration=duration,
        fps=_frame_rate(video.get("avg_frame_rate")) or _frame_rate(video.get("r_frame_rate")),
        rotation=rotation,
        video_codec=video.get("codec_name"),
        audio_codec=audio.get("codec_name") if audio else None,
        has_audio=audio is not None,
        container=str(report.get("format", {}).get("format_name", "unknown")),
        pix_fmt=video.get("pix_fmt"),
    )


def _parse_json(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise MaterialRejected(f"ffprobe returned unreadable output: {error}") from error
    return parsed if isinstance(parsed, dict) else {}


def _rotation(stream: dict[str, Any]) -> int:
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return _quarter_turn(float(side_data["rotation"]))
    rotate_tag = stream.get("tags", {}).get("rotate")
    if rotate_tag is not None:
        # The legacy tag counts clockwise; the display matrix (our convention) counts counter-clockwise.
        return _quarter_turn(-float(rotate_tag))
    return 0


def _quarter_turn(degrees: float) -> int:
    return round(degrees / 90.0) * 90 % 360


def _frame_rate(ratio: str | None) -> float | None:
    if not ratio or "/" not in ratio:
        return None
    numerator, denominator = ratio.split("/", 1)
    try:
        value = float(numerator) / float(denominator)
    except (ValueError, ZeroDivisionError):
        return None
    return round(value, 3) if value > 0 else None


def _first_float(*values: object) -> float | None:
    for value in values:
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return None
