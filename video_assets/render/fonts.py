"""Locate the CJK font through fontconfig, the same lookup libass and drawtext use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from video_assets.deadlines import PROBE_TIMEOUT_S, run_with_deadline
from video_assets.render.errors import RenderError

DEFAULT_FAMILY = "Noto Sans CJK SC"


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int  # face inside a .ttc collection


@lru_cache(maxsize=16)
def find_font(family: str = DEFAULT_FAMILY, bold: bool = True) -> FontFace:
    face, _ = _match(family, bold)
    return face


@lru_cache(maxsize=16)
def installed_font(family: str, bold: bool = True) -> FontFace | None:
    """The face of `family` itself, or None when it is not installed (fontconfig would substitute another family)."""
    face, families = _match(family, bold)
    return face if family.casefold() in families else None


def _match(family: str, bold: bool) -> tuple[FontFace, set[str]]:
    """fontconfig's best face for `family` and the family names of that face."""
    pattern = f"{family}:style=Bold" if bold else family
    try:
        result = run_with_deadline(
            ["fc-match", "-f", "%{file}|%{index}|%{family}", pattern],
            f"fc-match for '{family}'",
            PROBE_TIMEOUT_S,
            RenderError,
        )
    except FileNotFoundError as exc:
        raise RenderError("fontconfig (fc-match) is not installed; install fonts-noto-cjk and fontconfig") from exc
    file_name, _, rest = result.stdout.decode("utf-8", errors="replace").partition("|")
    index, _, families = rest.partition("|")
    if result.returncode != 0 or not file_name or not Path(file_name).is_file():
        raise RenderError(f"no font found for '{family}'; install fonts-noto-cjk")
    return FontFace(Path(file_name), int(index or 0)), {name.strip().casefold() for name in families.split(",")}
