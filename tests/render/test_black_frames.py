"""The black-frame check samples every scene and every few seconds of a real render, passes dark but real pictures
(a night sky with stars, the Hubble deep field, a dimmed room) and fails a black video, subtitles and all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media_samples import clip, photo
from tests.render.dark_media import NIGHT_SKY_SIZE, dark_room_clip, night_sky
from video_assets.render import RenderJob, RenderResult, SceneClip, render_video
from video_assets.render.frame_samples import SAMPLE_EVERY_SECONDS, sample_times
from video_assets.request_schema import Watermark
from video_assets.stages.verification import RenderVerification, verify_render
from video_assets.tts import EspeakTts

# The watermark and the subtitles (on by default) are drawn over every picture: they must not make black pass.
WATERMARK = Watermark(text="VA水印", corner="bottom-right", opacity=1.0)


def _render(scenes: list[SceneClip], canvas: tuple[int, int], tts: EspeakTts, workdir: Path) -> RenderResult:
    job = RenderJob(scenes=scenes, canvas=canvas, watermark=WATERMARK, title="夜空", preset="ultrafast")
    return render_video(job, tts, workdir)


def _verified(result: RenderResult) -> list[RenderVerification]:
    """Judged twice: from a decode of the file (as an imported video is), and from the frames the pass tapped (as
    a fresh render is)."""
    assert result.frame_tap is not None
    return [
        verify_render(result.video_path, result.planned_duration, result.scene_spans, tap)
        for tap in (None, result.frame_tap)
    ]


@pytest.fixture(scope="module")
def dark_scenes(media_dir: Path) -> list[SceneClip]:
    width, height = NIGHT_SKY_SIZE
    return [
        SceneClip(night_sky(media_dir / "night-sky.png"), "image", width, height, narration="夜空中有很多星星。"),
        SceneClip(photo("hubble_deep_field", media_dir / "hubble.jpg"), "image", 1000, 872, narration="哈勃深空。"),
        SceneClip(
            dark_room_clip(media_dir / "dark-room.mp4"),
            "video",
            640,
            360,
            source_duration=4.0,
            narration="昏暗的房间。",
        ),
    ]


@pytest.mark.parametrize("canvas", [(1280, 720), (720, 1280)], ids=["16:9", "9:16"])
def test_a_night_sky_a_deep_space_photo_and_a_dark_room_are_not_black(
    dark_scenes: list[SceneClip], canvas: tuple[int, int], tts: EspeakTts, tmp_path: Path
) -> None:
    result = _render(dark_scenes, canvas, tts, tmp_path)
    for verification in _verified(result):
        assert verification.verdicts(canvas)["not_mostly_black"], verification.frames
        assert verification.black_frame_share == 0.0 and verification.black_at == []
        # Every scene is seen, and no stretch of the video longer than the sampling step goes unseen.
        times = [frame.at for frame in verification.frames]
        assert all(any(start <= at < end for at in times) for start, end in result.scene_spans)
        gaps = [later - earlier for earlier, later in zip([0.0, *times], [*times, result.duration], strict=True)]
        assert max(gaps) <= SAMPLE_EVERY_SECONDS + 0.2
        assert len(times) > len(result.scene_spans)
    decoded, tapped = _verified(result)
    # The tap keeps the first frame at or after each sample time; the decode, which skips B-frames, the first it
    # decodes there: the same pictures, a few frames apart at most.
    assert len(tapped.frames) == len(decoded.frames)
    for by_tap, by_decode in zip(tapped.frames, decoded.frames, strict=True):
        assert by_decode.at - 0.2 <= by_tap.at <= by_decode.at + 0.05
        assert by_tap.lit_share == pytest.approx(by_decode.lit_share, abs=0.1)


def test_a_black_video_with_subtitles_and_a_watermark_is_mostly_black(
    media_dir: Path, tts: EspeakTts, tmp_path: Path
) -> None:
    black = clip(media_dir / "all-black.mp4", 640, 360, seconds=4.0, source="color=c=black")
    scenes = [
        SceneClip(black, "video", 640, 360, source_duration=4.0, narration="这一段画面是全黑的，只有字幕。"),
        SceneClip(black, "video", 640, 360, source_duration=4.0, narration="第二段也是黑的。"),
    ]
    result = _render(scenes, (1280, 720), tts, tmp_path)
    for verification in _verified(result):
        assert not verification.verdicts((1280, 720))["not_mostly_black"]
        assert verification.black_frame_share == 1.0 and verification.sampled_frames >= 4
        assert verification.black_at == [frame.at for frame in verification.frames]
        # The subtitles are really there: some pixels are lit, just far too few for a picture.
        assert max(frame.lit_share for frame in verification.frames) > 0
        reason = verification.failure_reason((1280, 720)) or ""
        assert reason.startswith("failed checks not_mostly_black: black_frame_share=1.0")


def test_sample_times_cover_every_scene_and_every_stretch_of_the_video() -> None:
    spans = ((0.0, 0.6), (0.6, 7.0), (7.0, 7.5))
    times = sample_times(7.5, spans, every=2.0)
    assert times == [0.3, 1.0, 3.0, 3.8, 5.0, 6.75, 7.25]
    assert sample_times(0.4) == [0.2]
