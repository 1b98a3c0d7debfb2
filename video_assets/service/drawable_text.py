"""Text that the video would draw as boxes is refused at submit with the characters named: the watermark (drawn with
one font from the fallback chain) and the subtitles (the narration, made from the title and the article)."""

from __future__ import annotations

from video_assets.media import Article
from video_assets.render.glyphs import (
    fallback_fonts,
    font_for_text,
    name_characters,
    undrawn_characters,
    without_invisible,
)
from video_assets.request_schema import VideoRequestSpec


def undrawable_text_problems(spec: VideoRequestSpec, article: Article) -> list[str]:
    """Nothing is judged where no font can be looked up (no fontconfig on the submit host): the render, which needs
    fontconfig anyway, still draws with the chain."""
    if not fallback_fonts():
        return []
    problems = []
    if spec.watermark and spec.watermark.text:
        problems += _watermark_problems(without_invisible(spec.watermark.text))
    if spec.subtitle_style.enabled:
        # libass takes a missing character from any font of the chain, so only what none of them draws is refused.
        fonts = fallback_fonts(spec.subtitle_style.font)
        for field, text in (("title", spec.title), ("markdown", article.text)):
            missing = undrawn_characters(text, fonts)
            if missing:
                problems.append(f"{field}: no installed font draws {name_characters(missing)} for the subtitles")
    return problems


def _watermark_problems(text: str) -> list[str]:
    fonts = fallback_fonts()
    missing = undrawn_characters(text, fonts)
    if missing:
        return [f"watermark.text: no installed font draws {name_characters(missing)}"]
    if font_for_text(text, fonts) is None:
        lacking = "; ".join(
            f"{font.family} lacks {name_characters(undrawn_characters(text, (font,)))}" for font in fonts
        )
        return [f"watermark.text: it is drawn with one font and no installed font draws all of it ({lacking})"]
    return []
