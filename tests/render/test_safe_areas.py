"""Subtitles, the watermark and cover titles stay inside every target platform's safe area (platforms.py), checked
on frames of real renders over a black clip, where every bright pixel is one we drew; and a cover's title band
keeps off the picture's subject."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.media_samples import photo
from tests.render.probing import frame_at
from video_assets.platforms import PLATFORMS, safe_area_for
from video_assets.render import RenderJob, SceneClip, render_video
from video_assets.render.images import draw_cover
from video_assets.request_schema import SubtitleStyle, Watermark
from video_assets.tts import EspeakTts

BRIGHT = 100
# (canvas, target platforms): each aspect a request may ask for, with platforms whose interfaces differ.
CASES = [
    ((270, 480), ("douyin", "xiaohongshu")),
    ((480, 270), ("bilibili",)),
    ((360, 360), ("youtube_shorts",)),
]


def bright_box(pixels: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the bright pixels, right and bottom exclusive; None if there are none."""
    rows, columns = np.nonzero(pixels.max(axis=2) > BRIGHT)
    if not len(rows):
        return None
    return int(columns.min()), int(rows.min()), int(columns.max()) + 1, int(rows.max()) + 1


@pytest.mark.parametrize(("canvas", "platforms"), CASES, ids=["9x16", "16x9", "1x1"])
def test_subtitles_and_watermark_are_drawn_inside_the_platforms_safe_area(
    tmp_path: Path, tts: EspeakTts, black_wide_clip: Path, canvas: tuple[int, int], platforms: tuple[str, ...]
) -> None:
    safe = safe_area_for(platforms)
    job = RenderJob(
        scenes=[
            SceneClip(black_wide_clip, "video", 640, 360, source_duration=4.0, narration="字幕在安全区里面。"),
        ],
        canvas=canvas,
        subtitles=SubtitleStyle(karaoke=False, primary_color="#FFFFFF"),
        watermark=Watermark(text="video-assets", corner="top-right", opacity=1.0),
        preset="ultrafast",
        safe_area=safe,
    )
    result = render_video(job, tts, tmp_path / "work")
    frame = frame_at(result.video_path, result.duration / 2, canvas)
    middle = canvas[1] // 2
    watermark, subtitles = bright_box(frame[:middle]), bright_box(frame[middle:])
    assert watermark is not None and subtitles is not None
    left, top, right, bottom = safe.pixels(canvas)
    # The watermark in the top-right corner: clear of the top bar and the right-hand buttons.
    assert watermark[1] >= top and watermark[2] <= right
    # The subtitles: above the bottom caption area, between the side margins.
    assert subtitles[0] >= left and subtitles[2] <= right
    assert subtitles[3] + middle <= bottom


def test_a_render_for_no_platform_keeps_the_watermark_in_its_own_margin(
    tmp_path: Path, tts: EspeakTts, black_wide_clip: Path
) -> None:
    """The same render without target platforms: the watermark sits at its own margin, inside douyin's top bar,
    which is what the safe area above moves it out of."""
    canvas = (270, 480)
    job = RenderJob(
        scenes=[SceneClip(black_wide_clip, "video", 640, 360, source_duration=4.0, narration="水印。")],
        canvas=canvas,
        watermark=Watermark(text="video-assets", corner="top-right", opacity=1.0),
        preset="ultrafast",
    )
    result = render_video(job, tts, tmp_path / "work")
    watermark = bright_box(frame_at(result.video_path, result.duration / 2, canvas)[: canvas[1] // 2])
    assert watermark is not None
    assert watermark[1] < PLATFORMS["douyin"].safe_area.pixels(canvas)[1]


@pytest.mark.parametrize("platform", ["xiaohongshu", "douyin", "bilibili"])
def test_the_cover_title_band_keeps_off_the_subject_and_inside_the_safe_area(tmp_path: Path, platform: str) -> None:
    rules = PLATFORMS[platform]
    width, height = rules.cover_size
    subject_top, subject_bottom = round(height * 0.3), round(height * 0.6)
    side = subject_bottom - subject_top
    subject = Image.open(photo("astronaut", tmp_path / "astronaut.jpg", size=(side, side)))
    frame = Image.new("RGB", (width, height), (90, 90, 90))
    frame.paste(subject, ((width - side) // 2, subject_top))
    cover = np.asarray(Image.open(draw_cover(frame, "一杯咖啡里的太空梦", tmp_path / "cover.jpg", rules.safe_area)))
    changed = np.abs(cover.astype(np.int16) - np.asarray(frame).astype(np.int16)).max(axis=2) > 30
    band_rows = np.nonzero(changed.any(axis=1))[0]
    assert len(band_rows)
    assert band_rows.max() < subject_top or band_rows.min() >= subject_top + side // 3  # the subject's top is clear
    left, top, right, bottom = rules.safe_area.pixels((width, height))
    text = bright_box(np.where(changed[..., None], cover, 0))
    assert text is not None
    assert text[0] >= left and text[1] >= top and text[2] <= right and text[3] <= bottom
