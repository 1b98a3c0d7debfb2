"""The fallback chain on the fonts this machine has installed, and a real render drawing a Hebrew watermark with the
font the chain picks: glyphs, not the boxes the render's CJK font would draw for every letter alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.render.probing import frame_at
from video_assets.render import RenderJob, SceneClip, render_video
from video_assets.render.glyphs import (
    fallback_fonts,
    font_for_text,
    name_characters,
    undrawn_characters,
    without_invisible,
)
from video_assets.request_schema import SubtitleStyle, Watermark
from video_assets.tts import EspeakTts

CANVAS = (480, 854)


def test_the_chain_holds_the_cjk_font_then_dejavu_then_symbola() -> None:
    assert [font.family for font in fallback_fonts()] == ["Noto Sans CJK SC", "DejaVu Sans", "Symbola"]
    assert all(font.face.path.is_file() and len(font.codepoints) > 1000 for font in fallback_fonts())


@pytest.mark.parametrize(
    ("text", "family"),
    [("品牌 Brand", "Noto Sans CJK SC"), ("שלום עולם", "DejaVu Sans"), ("مرحبا", "DejaVu Sans"), ("😀", "DejaVu Sans")],
)
def test_each_text_gets_the_first_font_that_draws_all_of_it(text: str, family: str) -> None:
    font = font_for_text(text, fallback_fonts())
    assert font is not None and font.family == family


def test_text_needing_two_fonts_has_no_single_font_but_every_character_is_drawn_by_one() -> None:
    assert font_for_text("品牌 שלום", fallback_fonts()) is None
    assert undrawn_characters("品牌 שלום", fallback_fonts()) == []


def test_characters_no_installed_font_has_are_named_once_each() -> None:
    missing = undrawn_characters("🫠 สวัสดี 🫠", fallback_fonts())
    assert missing == ["🫠", "ส", "ว", "ั", "ด", "ี"]
    assert name_characters(missing) == "U+1FAE0 (🫠), U+0E2A (ส), U+0E27 (ว), U+0E31 (ั), U+0E14 (ด) and 1 more"


def test_joiners_direction_marks_and_variation_selectors_are_dropped_and_need_no_glyph() -> None:
    marked = "\u200fשל\u200dום\u200e ❤\ufe0f\ufeff"
    assert without_invisible(marked) == "שלום ❤"
    assert undrawn_characters(marked, fallback_fonts()[:1]) == ["ש", "ל", "ו", "ם", "❤"]


def _watermark_pixels(text: str, clip: Path, tts: EspeakTts, workdir: Path) -> np.ndarray:
    job = RenderJob(
        scenes=[SceneClip(clip, "video", 640, 360, source_duration=4.0, narration="水印。")],
        canvas=CANVAS,
        subtitles=SubtitleStyle(enabled=False),
        watermark=Watermark(text=text, corner="top-left", margin=20, opacity=1.0),
        preset="ultrafast",
    )
    result = render_video(job, tts, workdir)
    return frame_at(result.video_path, 0.5, CANVAS)[10:60, 10:240].astype(np.int16)


def test_a_hebrew_watermark_is_drawn_in_glyphs_and_its_invisible_marks_change_nothing(
    black_wide_clip: Path, tts: EspeakTts, tmp_path: Path
) -> None:
    """Boxes would make two different words of the same length look the same."""
    shalom = _watermark_pixels("שלום", black_wide_clip, tts, tmp_path / "shalom")
    olam = _watermark_pixels("עולם", black_wide_clip, tts, tmp_path / "olam")
    marked = _watermark_pixels("\u200fשל\u200dום", black_wide_clip, tts, tmp_path / "marked")

    assert (shalom > 128).mean() > 0.005, "the watermark is drawn"
    assert np.abs(shalom - olam).mean() > 5 * max(np.abs(shalom - marked).mean(), 0.2)
