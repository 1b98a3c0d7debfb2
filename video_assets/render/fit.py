"""How a picture of a given size fills the canvas: cover-crop when the aspect is close, else contain over blur."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

# Cover-crop only when it loses at most this share of the picture; otherwise letterbox over a blurred copy.
COVER_MAX_CROP = 0.25
# The blurred background is made at 1/8 size: blurring there is ~64x cheaper and looks the same once scaled up.
BACKGROUND_DIVISOR = 8
# Image scenes are composited this much larger than the canvas, so that a crop window can pan across them.
PAN_MARGIN = 0.12


@dataclass(frozen=True)
class Fit:
    mode: Literal["cover", "contain"]
    scaled: tuple[int, int]  # size the picture is scaled to
    offset: tuple[int, int]  # cover: crop origin inside the scaled picture; contain: paste origin on the canvas


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def cover(width: int, height: int, canvas: tuple[int, int]) -> Fit:
    scale = max(canvas[0] / width, canvas[1] / height)
    scaled_w = max(canvas[0], 2 * math.ceil(width * scale / 2))
    scaled_h = max(canvas[1], 2 * math.ceil(height * scale / 2))
    return Fit("cover", (scaled_w, scaled_h), ((scaled_w - canvas[0]) // 2, (scaled_h - canvas[1]) // 2))


def contain(width: int, height: int, canvas: tuple[int, int]) -> Fit:
    scale = min(canvas[0] / width, canvas[1] / height)
    scaled_w = min(canvas[0], _even(width * scale))
    scaled_h = min(canvas[1], _even(height * scale))
    return Fit("contain", (scaled_w, scaled_h), ((canvas[0] - scaled_w) // 2, (canvas[1] - scaled_h) // 2))


def plan_fit(width: int, height: int, canvas: tuple[int, int]) -> Fit:
    ratio = (width / height) / (canvas[0] / canvas[1])
    crop_share = 1 - min(ratio, 1 / ratio)
    return cover(width, height, canvas) if crop_share <= COVER_MAX_CROP else contain(width, height, canvas)


def background_size(canvas: tuple[int, int]) -> tuple[int, int]:
    return _even(canvas[0] / BACKGROUND_DIVISOR), _even(canvas[1] / BACKGROUND_DIVISOR)


def pan_canvas(canvas: tuple[int, int]) -> tuple[int, int]:
    return _even(canvas[0] * (1 + PAN_MARGIN)), _even(canvas[1] * (1 + PAN_MARGIN))
