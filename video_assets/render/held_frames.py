"""The picture a clip too short to carry its scene is held as: the frame on screen when its window ends."""

from __future__ import annotations

from pathlib import Path

from video_assets.deadlines import PROBE_TIMEOUT_S, run_with_deadline
from video_assets.render.colour import SourceColour
from video_assets.render.errors import RenderError
from video_assets.render.timeline import SceneClip

# Decoding starts this long before the window ends, so a window narrower than one frame (a 1-frame clip, or a slow
# source's frame that began before the in point) still finds the frame on screen: ffmpeg drops a frame that starts
# before `-ss`, even while it is still showing.
LOOKBACK_SECONDS = 2.0


def held_frame(clip: SceneClip, colour: SourceColour, out_path: Path) -> Path:
    """The last frame that starts before the clip's out point, upright (the CLI applies rotation side data) and
    converted to RGB with the clip's own matrix and range, so the still matches the clip's colours.

    Every decoded frame overwrites `out_path` (BMP: nothing to compress), so the last one written is the one kept."""
    _, clip_out = clip.window()
    start = max(0.0, clip_out - LOOKBACK_SECONDS)
    out_path.unlink(missing_ok=True)  # a picture left from an earlier attempt must not pass for this one
    matrix, in_range = colour.matrix, "pc" if colour.full_range else "tv"
    result = run_with_deadline(
        ["ffmpeg", "-v", "error", "-y", "-ss", f"{start:.3f}", "-t", f"{clip_out - start:.4f}"]
        + ["-i", str(clip.media_path), "-an", "-vf", f"scale=in_color_matrix={matrix}:in_range={in_range},format=bgr24"]
        + ["-update", "1", str(out_path)],
        f"holding the last frame of {clip.media_path.name}",
        PROBE_TIMEOUT_S,
        RenderError,
    )
    if result.returncode != 0 or not out_path.is_file():
        raise RenderError(
            f"no frame of {clip.media_path.name} starts in the {LOOKBACK_SECONDS:.0f} s before its out point"
            f" {clip_out:.3f} s: {result.stderr.strip()[-500:] or 'the clip decodes to nothing there'}"
        )
    return out_path
