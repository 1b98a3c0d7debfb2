"""Pictures an editor would never put on screen: tracking pixels, spacers and flat-colour images or clips.

Feed articles carry 1x1 tracking GIFs and spacer images routinely; shown full screen they become seconds of one
colour (white subtitles on a white scene), and the coverage rule would force them into every script.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from video_assets.media.errors import MaterialRejected
from video_assets.media.probe import MediaProbe
from video_assets.vision.frames import FrameReadError, read_image
from video_assets.vision.measures import colour_spread

# Smaller than this on either side is a pixel, a spacer, a divider line or an icon, not a picture to show full screen.
MIN_MATERIAL_SIDE_PX = 64
# Largest per-channel standard deviation (0..255 levels) below which a picture is one flat colour. JPEG noise on a
# flat fill stays under 1; the flattest photos among scikit-image's samples (microaneurysms, moon) measure 10 and 13.
FLAT_COLOUR_SPREAD = 2.0


def check_size(probe: MediaProbe, min_side: int) -> None:
    """Refuse a material whose displayed picture is smaller than `min_side` pixels on either side."""
    if min(probe.width, probe.height) < min_side:
        raise MaterialRejected(
            f"{probe.kind} is only {probe.width}x{probe.height} px, under the {min_side} px minimum side "
            "(a tracking pixel, spacer or icon, not a picture to show)"
        )


def check_not_flat(probe: MediaProbe, frames: Sequence[Path], max_spread: float) -> None:
    """Refuse a material whose every sampled frame (the image itself, or a video's keyframes) is one flat colour."""
    spreads = [_spread(frame) for frame in frames]
    if spreads and max(spreads) < max_spread:
        sampled = "the picture" if probe.kind == "image" else f"all {len(spreads)} sampled frames"
        raise MaterialRejected(
            f"{probe.kind} is a flat colour: its colours spread at most {max(spreads):.1f} levels over {sampled} "
            f"(under {max_spread:g}), so there is nothing to show"
        )


def _spread(frame: Path) -> float:
    try:
        return colour_spread(read_image(frame))
    except FrameReadError as error:
        raise MaterialRejected(f"cannot read a frame to check its content: {error}") from error
