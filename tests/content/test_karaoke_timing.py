"""Karaoke follows the voice: each word lights up within 150 ms of when it is heard, in a real render.

When a word is heard is measured from the rendered video's own soundtrack against the words synthesized one by one
(tests/content/alignment.py), not from anything the renderer or the TTS reports.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.content.alignment import decode, spoken_onsets
from tests.media_samples import clip, photo
from video_assets.render import CoverSpec, RenderJob, SceneClip, render_video
from video_assets.request_schema import SubtitleStyle, Transition
from video_assets.tts import EspeakTts

SPEED = 190
TOLERANCE_S = 0.150
SCENES = [
    "人工智能芯片正在改变我们的生活，这台旗舰手机的起售价是 3999 元。",
    "上周我拿到了这台手机，连续用了七天，今天就把真实体验完整地分享给大家。",
]
KARAOKE = re.compile(r"\{\\kf?(\d+)\}([^{]*)")


def ass_time(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def karaoke_onsets(ass: Path) -> list[tuple[str, float]]:
    """(word, when its highlight starts) for every karaoke segment, read from the ASS file alone."""
    onsets = []
    for line in ass.read_text(encoding="utf-8").splitlines():
        if not line.startswith("Dialogue:"):
            continue
        fields = line.split(",", 9)
        at = ass_time(fields[1])
        for centis, text in KARAOKE.findall(fields[9]):
            word = text.replace("\\N", "").strip()
            if word:
                onsets.append((word, at))
            at += int(centis) / 100
    return onsets


def onset_errors(heard: list[float], shown: list[float]) -> np.ndarray:
    return np.abs(np.array(shown) - np.array(heard))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("karaoke")
    scenes = [
        SceneClip(photo("astronaut", root / "astronaut.jpg"), "image", 512, 512, narration=SCENES[0]),
        SceneClip(clip(root / "clip.mp4", 360, 640, seconds=2.0), "video", 360, 640, 2.0, narration=SCENES[1]),
    ]
    job = RenderJob(
        scenes=scenes,
        canvas=(360, 640),
        transition=Transition(type="fade", duration=0.3),
        subtitles=SubtitleStyle(size=72),
        title="星河 X7 Pro 深度评测",
        preset="ultrafast",
        platform_covers={
            "bilibili": CoverSpec((1280, 800), "哔哩哔哩的长标题：星河 X7 Pro 深度评测"),
            "xiaohongshu": CoverSpec((1080, 1440), "小红书标题"),
        },
    )
    result = render_video(job, EspeakTts(speed=SPEED), root / "work")
    assert result.ass_path is not None
    return result.video_path, result.ass_path, result.platform_covers


def test_each_word_lights_up_within_150_ms_of_being_heard(
    rendered: tuple[Path, Path, dict[str, Path]], tmp_path: Path
) -> None:
    video, ass, _ = rendered
    shown = karaoke_onsets(ass)
    words = [word for word, _ in shown]
    assert "人工智能" in words and "3999 元。" in words  # whole words, not characters
    heard = spoken_onsets(decode(video), words, "cmn-latn-pinyin", SPEED, tmp_path)
    errors = onset_errors(heard, [at for _, at in shown])
    worst = int(np.argmax(errors))
    assert errors.max() <= TOLERANCE_S, f"{words[worst]!r}: shown {shown[worst][1]:.3f}s, heard {heard[worst]:.3f}s"


def test_english_word_timings_follow_the_voice(tmp_path: Path) -> None:
    text = "The new chip is twice as fast. It lasts a whole day, and it charges in twenty minutes."
    narration = EspeakTts(speed=SPEED).synthesize(text, "en", None, tmp_path / "en.wav")
    words = [word.token for word in narration.words]
    assert words[:4] == ["The", "new", "chip", "is"]
    heard = spoken_onsets(decode(narration.audio_path), words, "en-us", SPEED, tmp_path)
    errors = onset_errors(heard, [word.start for word in narration.words])
    assert errors.max() <= TOLERANCE_S, list(zip(words, errors.round(3), strict=True))


def test_every_platform_cover_has_its_platforms_aspect(rendered: tuple[Path, Path, dict[str, Path]]) -> None:
    _, _, covers = rendered
    sizes = {name: Image.open(path).size for name, path in covers.items()}
    assert sizes == {"bilibili": (1280, 800), "xiaohongshu": (1080, 1440)}
