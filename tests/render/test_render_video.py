"""Render a real 4-scene video (photo + rotated, 4:3 and 16:9 clips) and check it the way a viewer would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.render.probing import bright_share, frame_at, image_shift, loudness, probe_streams, stream
from video_assets.render import RenderJob, RenderResult, SceneClip, render_video
from video_assets.render.loudness import PEAK_CEILING_DB, TARGET_LUFS
from video_assets.render.subtitles import layout_for
from video_assets.request_schema import Bgm, SubtitleStyle, Transition, Watermark
from video_assets.tts import EspeakTts

CANVAS = (720, 1280)


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory,
    tts: EspeakTts,
    astronaut_photo: Path,
    rotated_clip: Path,
    four_three_clip: Path,
    black_wide_clip: Path,
    bgm_file: Path,
    logo_file: Path,
) -> tuple[RenderJob, RenderResult, list[float]]:
    job = RenderJob(
        scenes=[
            SceneClip(astronaut_photo, "image", 512, 512, narration="宇航员在太空中工作。"),
            SceneClip(rotated_clip, "video", 360, 640, source_duration=3.0, in_point=0.5, narration="竖屏视频。"),
            SceneClip(four_three_clip, "video", 640, 480, source_duration=1.5, narration="短视频需要循环播放。"),
            SceneClip(black_wide_clip, "video", 640, 360, source_duration=4.0, narration="黑色背景上的字幕清楚。"),
        ],
        canvas=CANVAS,
        transition=Transition(type="slideleft", duration=0.4),
        subtitles=SubtitleStyle(size=60),
        watermark=Watermark(text="VA水印", corner="bottom-right", opacity=1.0, scale=0.15),
        watermark_image_path=logo_file,
        bgm_path=bgm_file,
        bgm=Bgm(uri="bgm.mp3", volume=0.3, fade_out=1.0),
        title="宇航员与短视频",
    )
    progress: list[float] = []
    result = render_video(job, tts, tmp_path_factory.mktemp("render"), on_progress=progress.append)
    return job, result, progress


def test_output_is_h264_yuv420p_with_aac_audio_at_the_canvas_size(rendered) -> None:
    _, result, _ = rendered
    info = probe_streams(result.video_path)
    video, audio = stream(info, "video"), stream(info, "audio")
    assert (video["codec_name"], video["pix_fmt"], video["width"], video["height"]) == ("h264", "yuv420p", 720, 1280)
    assert video["r_frame_rate"] == "30/1"
    assert audio["codec_name"] == "aac" and int(audio["sample_rate"]) == 48000
    assert float(audio["duration"]) == pytest.approx(result.duration, abs=0.1)
    assert (result.width, result.height, result.size_bytes) == (720, 1280, result.video_path.stat().st_size)


def test_duration_and_frame_count_match_the_plan(rendered) -> None:
    _, result, _ = rendered
    video = stream(probe_streams(result.video_path), "video")
    assert abs(result.duration - result.planned_duration) < 0.5
    assert int(video["nb_read_frames"]) == round(result.planned_duration * 30)


def test_subtitles_are_drawn_while_a_cue_is_due(rendered) -> None:
    job, result, _ = rendered
    last_cue = [
        line for line in result.ass_path.read_text(encoding="utf-8").splitlines() if line.startswith("Dialogue:")
    ][-1]
    frame = frame_at(result.video_path, _seconds(last_cue.split(",")[1]) + 0.5, CANVAS)
    layout = layout_for(job.subtitles, CANVAS)
    band = frame[CANVAS[1] - layout.margin_v - 2 * layout.font_size : CANVAS[1] - layout.margin_v, 60:-60]
    top = frame[100 : 100 + 2 * layout.font_size, 60:-60]
    assert bright_share(band) > 0.03
    assert bright_share(top) < 0.005  # the last scene is a black clip: only our overlays can be bright


def test_watermark_logo_and_text_sit_in_the_chosen_corner(rendered) -> None:
    _, result, _ = rendered
    frame = frame_at(result.video_path, result.duration - 0.3, CANVAS)
    assert bright_share(frame[-150:-20, -160:-20]) > 0.2
    assert bright_share(frame[20:150, 20:160]) < 0.01


def test_scenes_are_not_black_and_the_rotated_clip_is_upright(rendered) -> None:
    _, result, _ = rendered
    cue_starts = [
        _seconds(line.split(",")[1])
        for line in result.ass_path.read_text(encoding="utf-8").splitlines()
        if line.startswith("Dialogue:")
    ]
    photo, rotated, short = (frame_at(result.video_path, at + 0.6, CANVAS) for at in cue_starts[:3])
    for frame in (photo, rotated, short):
        assert frame.mean() > 40
    # testsrc2 has vertical colour bars; rotated by 90 degrees they must run horizontally.
    pixels = rotated.astype(np.int16)
    assert np.abs(np.diff(pixels, axis=0)).mean() > np.abs(np.diff(pixels, axis=1)).mean()


def test_photo_scene_pans_across_the_picture_without_leaving_it(rendered) -> None:
    _, result, _ = rendered
    first_cue = next(
        line for line in result.ass_path.read_text(encoding="utf-8").splitlines() if line.startswith("Dialogue:")
    )
    early, late = (
        frame_at(result.video_path, at, CANVAS)[100:612] for at in (0.1, _seconds(first_cue.split(",")[2]) - 0.5)
    )
    dy, dx, peak = image_shift(early, late)
    assert (dy, dx) != (0, 0) and peak > 0.2  # the same picture, moved
    assert early.mean() > 40 and late.mean() > 40


def test_soundtrack_is_normalised_to_the_loudness_target_under_the_peak_ceiling(rendered) -> None:
    _, result, _ = rendered
    integrated, true_peak = loudness(result.video_path)
    assert abs(integrated - TARGET_LUFS) < 1.5
    assert true_peak < PEAK_CEILING_DB + 1.0  # sample-peak limiting; AAC adds a little inter-sample overshoot


def test_cover_and_subtitle_sidecars_are_written(rendered) -> None:
    _, result, _ = rendered
    with Image.open(result.cover_path) as cover:
        assert cover.size == CANVAS and cover.format == "JPEG"
    srt = result.srt_path.read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:00,") and "宇航员在太空中工作。" in srt


def test_progress_is_reported_up_to_done(rendered) -> None:
    _, _, progress = rendered
    assert progress == sorted(progress)
    assert progress[-1] == 1.0 and len(progress) >= 2
    # Reported all along the pass, not done at the first frame the black check taps: a cancelled request is
    # noticed at a report, and a tap stamped too far ahead once made ffmpeg's progress jump to the end.
    assert max(fraction for fraction in progress if fraction < 1.0) >= 0.5


def _seconds(ass_time: str) -> float:
    hours, minutes, seconds = ass_time.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
