"""Which installed fonts draw a text, read from their character maps with fontTools.

Subtitles are drawn by libass, which takes each character the style's font lacks from another installed font
(fontconfig) and shapes with HarfBuzz, which hides invisible format characters. The watermark is drawn by ffmpeg's
drawtext with one font file and FriBidi only: it needs one font that draws every character of its text, and its
invisible format characters are removed before it is drawn (drawtext would draw them as boxes).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from fontTools.ttLib import TTFont

from video_assets.render.errors import RenderError
from video_assets.render.fonts import DEFAULT_FAMILY, FontFace, installed_font

# Tried in this order: CJK and Latin first (the render's own font), then Hebrew, Arabic, Greek and Cyrillic,
# then emoji and symbols (monochrome outlines, which libass and drawtext both draw).
FALLBACK_FAMILIES = (DEFAULT_FAMILY, "DejaVu Sans", "Symbola")
# Variation selectors and the combining grapheme joiner change how the character before them looks and are
# never drawn themselves; format characters (category Cf) are zero-width joiners and direction marks.
_INVISIBLE_RANGES = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x034F, 0x034F))
NAMED_AT_MOST = 5


@dataclass(frozen=True)
class CoveringFont:
    family: str
    face: FontFace
    codepoints: frozenset[int]


def is_invisible(character: str) -> bool:
    code = ord(character)
    in_ranges = any(low <= code <= high for low, high in _INVISIBLE_RANGES)
    return in_ranges or unicodedata.category(character) == "Cf"


def without_invisible(text: str) -> str:
    """`text` as drawtext should draw it: joiners and direction marks removed. They are invisible by design, so an
    editor who pasted a name with them expects the name, not a refusal for characters they cannot see."""
    return "".join(character for character in text if not is_invisible(character))


@lru_cache(maxsize=4)
def fallback_fonts(first_family: str = DEFAULT_FAMILY) -> tuple[CoveringFont, ...]:
    """The installed fonts of the fallback chain, `first_family` (a subtitle style's font) first; none on a machine
    without fontconfig (a submit host need not be able to render)."""
    families = dict.fromkeys((first_family, *FALLBACK_FAMILIES))
    fonts = []
    for family in families:
        try:
            face = installed_font(family)
        except RenderError:
            return ()
        if face is not None:
            with TTFont(str(face.path), fontNumber=face.index, lazy=True) as font:
                fonts.append(CoveringFont(family, face, frozenset(font.getBestCmap())))
    return tuple(fonts)


def _drawn(text: str) -> list[str]:
    """The distinct characters of `text` that need a glyph, in order of appearance."""
    return [ch for ch in dict.fromkeys(text) if not ch.isspace() and not is_invisible(ch)]


def undrawn_characters(text: str, fonts: tuple[CoveringFont, ...]) -> list[str]:
    """The characters of `text` that no font of `fonts` draws."""
    return [ch for ch in _drawn(text) if not any(ord(ch) in font.codepoints for font in fonts)]


def font_for_text(text: str, fonts: tuple[CoveringFont, ...]) -> CoveringFont | None:
    """The first font that draws every character of `text` by itself, or None."""
    needed = {ord(ch) for ch in _drawn(text)}
    return next((font for font in fonts if needed <= font.codepoints), None)


def name_characters(characters: list[str]) -> str:
    """'U+05D0 (א), U+1F972 (🥲)', at most NAMED_AT_MOST of them and how many more."""
    named = ", ".join(f"U+{ord(ch):04X} ({ch})" for ch in characters[:NAMED_AT_MOST])
    more = len(characters) - NAMED_AT_MOST
    return named + (f" and {more} more" if more > 0 else "")
