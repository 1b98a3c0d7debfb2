"""Keyframes as base64 data URLs for vision models, downscaled to keep requests small and cheap."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

MAX_IMAGE_SIDE = 768
MAX_IMAGES = 4
TOKENS_PER_IMAGE = 800  # a rough budget for the rate limiter; providers bill 85-1100 tokens per image


def pick_keyframes(paths: Sequence[Path], limit: int = MAX_IMAGES) -> list[Path]:
    """Up to `limit` keyframes spread evenly over the material, first and last included."""
    paths = list(paths)
    if len(paths) <= limit:
        return paths
    step = (len(paths) - 1) / (limit - 1)
    return [paths[round(index * step)] for index in range(limit)]


def image_data_url(path: Path, max_side: int = MAX_IMAGE_SIDE) -> str:
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((max_side, max_side))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
