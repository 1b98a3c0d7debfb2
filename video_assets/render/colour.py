"""One colour space for the whole video: BT.709, limited range, and the output says so.

swscale's default turns RGB into YUV with the BT.601 matrix, while phone clips are BT.709: without this, stills and
clips shift colour against each other, and an untagged output leaves each player to guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from video_assets.render.ffmpeg_run import probe

# Tags of every output; the encoder writes them into the H.264 VUI.
OUTPUT_TAGS = {"colorspace": "bt709", "color_primaries": "bt709", "color_trc": "bt709", "color_range": "tv"}
SETPARAMS = {"colorspace": "bt709", "color_primaries": "bt709", "color_trc": "bt709", "range": "tv"}
# ffprobe's `color_space` -> swscale's matrix name.
MATRICES = {
    "bt709": "bt709",
    "smpte170m": "smpte170m",
    "bt470bg": "bt470",
    "fcc": "fcc",
    "smpte240m": "smpte240m",
    "bt2020nc": "bt2020",
    "bt2020c": "bt2020",
}
# Players treat an untagged picture whose short side is this or more as HD (BT.709), smaller ones as SD (BT.601).
HD_HEIGHT = 720


@dataclass(frozen=True)
class SourceColour:
    matrix: str  # swscale's name for the input's YCbCr matrix
    full_range: bool

    def to_output(self) -> dict[str, str]:
        """`scale` options that convert this source into the output's matrix and range in the same pass."""
        return {
            "in_color_matrix": self.matrix,
            "out_color_matrix": "bt709",
            "in_range": "pc" if self.full_range else "tv",
            "out_range": "tv",
        }


# An RGB picture has no matrix of its own: only the output side matters.
RGB_TO_OUTPUT = {"out_color_matrix": "bt709", "out_range": "tv"}


def source_colour(stream: dict[str, Any]) -> SourceColour:
    """The clip's tagged matrix, else what players assume for its size; full range when tagged or a JPEG format."""
    tagged = MATRICES.get(str(stream.get("color_space", "")))
    short_side = min(int(stream.get("width") or 0), int(stream.get("height") or 0))
    matrix = tagged or ("bt709" if short_side >= HD_HEIGHT else "smpte170m")
    full_range = stream.get("color_range") == "pc" or str(stream.get("pix_fmt", "")).startswith("yuvj")
    return SourceColour(matrix=matrix, full_range=full_range)


def probe_colour(path: Path) -> SourceColour:
    info = probe(path)
    video = next((stream for stream in info["streams"] if stream.get("codec_type") == "video"), {})
    return source_colour(video)
