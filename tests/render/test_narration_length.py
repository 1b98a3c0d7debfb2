"""The spoken length of a planned video holds its target in every script: the planner's estimate counts every
script's characters, and narration a voice reads far slower than estimated is refused before the encode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.media_samples import clip, photo
from tests.scripting.multilingual import SENTENCES
from video_assets.llm import OfflinePlanner
from video_assets.render import RenderJob, SceneClip, plan_timeline, render_video
from video_assets.render.errors import RenderError
from video_assets.scripting import MaterialBrief, Script, duration_bounds, duration_problem, estimate_narration_seconds
from video_assets.tts import EspeakTts

TARGET = 15.0
CANVAS = (180, 320)  # small: the length, not the picture, is under test
# Arabic and Hebrew sentences between Chinese ones, as in the request that became a 33 s video for a 15 s target.
MIXED_ARTICLE = "\n\n".join(
    [
        f"{SENTENCES['ar'][0]} {SENTENCES['zh'][0]}",
        f"{SENTENCES['he'][0]} {SENTENCES['zh'][1]}",
        f"{SENTENCES['ar'][1]} {SENTENCES['zh'][2]} {SENTENCES['he'][2]}",
        SENTENCES["zh"][3],
    ]
)
# espeak-ng's Japanese voice reads kanji letter by letter (about 0.85 s each), far slower than any estimate of
# Japanese speech; such videos are refused at render like the mixed article below. The speaking time is checked
# for the languages whose script the voice of that language reads as speech.
NATIVELY_READ = [language for language in SENTENCES if language != "ja"]


@pytest.fixture(scope="module")
def voice() -> EspeakTts:
    return EspeakTts()  # the production default rate


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("length-media")
    return photo("astronaut", root / "photo.jpg", size=(320, 240)), clip(root / "clip.mp4", 320, 180, seconds=5.0)


def _briefs(paragraphs: list[str]) -> list[MaterialBrief]:
    return [
        MaterialBrief(id=1, kind="image", width=320, height=240, context=paragraphs[0]),
        MaterialBrief(id=2, kind="video", duration=5.0, width=320, height=180, context=paragraphs[-1]),
    ]


def _plan(text: str, language: str, style: str) -> Script:
    paragraphs = text.split("\n\n")
    script, _ = OfflinePlanner().write_script(paragraphs[0][:20], text, _briefs(paragraphs), style, language, TARGET, 0)
    return script


def _job(script: Script, language: str, media: tuple[Path, Path]) -> RenderJob:
    photo_path, clip_path = media
    scenes = [
        SceneClip(photo_path, "image", 320, 240, narration=scene.narration)
        if scene.material_id == 1
        else SceneClip(clip_path, "video", 320, 180, 5.0, scene.in_point, scene.out_point, scene.narration)
        for scene in script.scenes
    ]
    return RenderJob(scenes=scenes, canvas=CANVAS, language=language, preset="ultrafast", target_seconds=TARGET)


def test_every_script_takes_speaking_time_in_the_estimate() -> None:
    for language, sentences in SENTENCES.items():
        for sentence in sentences:
            assert estimate_narration_seconds(sentence, language) >= 1.5, (language, sentence)
    assert estimate_narration_seconds("😀🎉🚀👍", "en") >= 1.5  # a voice that reads emoji says their names


@pytest.mark.parametrize("language", NATIVELY_READ)
def test_a_15s_plan_spoken_by_the_voice_of_its_language_stays_under_the_upper_bound(
    language: str, voice: EspeakTts, media: tuple[Path, Path], tmp_path: Path
) -> None:
    high = duration_bounds(TARGET)[1]
    for style in ("default", "product_geek"):
        script = _plan("\n\n".join(SENTENCES[language]), language, style)
        narrations = [
            voice.synthesize(scene.narration, language, None, tmp_path / f"{style}-{index}.wav")
            for index, scene in enumerate(script.scenes)
        ]
        spoken = plan_timeline(_job(script, language, media), narrations).duration
        assert spoken <= high, (style, [scene.narration for scene in script.scenes], spoken)


def test_mixed_arabic_hebrew_chinese_article_for_15s_is_rendered_within_bounds_or_refused_naming_the_overrun(
    voice: EspeakTts, media: tuple[Path, Path], tmp_path: Path
) -> None:
    script = _plan(MIXED_ARTICLE, "zh", "default")
    narration = " ".join(scene.narration for scene in script.scenes)
    assert re.search(r"[\u0590-\u05ff\u0600-\u06ff]", narration)  # the foreign scripts are in what is spoken
    assert duration_problem(script, TARGET) == ""  # the estimate counts them: the script check passes honestly
    low, high = duration_bounds(TARGET)
    try:
        result = render_video(_job(script, "zh", media), voice, tmp_path)
    except RenderError as refusal:
        allowed = f"longer than the {high:.1f}s allowed for a 15s target"
        found = re.search(rf"overruns the target: spoken, the video lasts (\d+\.\d)s, {allowed}", str(refusal))
        assert found and float(found.group(1)) > high
        assert not (tmp_path / "video.mp4").exists()  # refused before the encode
        return
    assert low <= result.duration <= high


def test_narration_longer_than_the_target_allows_is_refused_before_the_encode(
    voice: EspeakTts, media: tuple[Path, Path], tmp_path: Path
) -> None:
    photo_path, _ = media
    long_line = " ".join(SENTENCES["en"])  # about 11 s spoken, where a 5 s target allows 5.75 s
    job = RenderJob(
        scenes=[SceneClip(photo_path, "image", 320, 240, narration=long_line)],
        canvas=CANVAS,
        language="en",
        target_seconds=5.0,
    )
    with pytest.raises(RenderError, match=r"overruns the target: .* longer than the 5\.8s allowed for a 5s target"):
        render_video(job, voice, tmp_path)
    assert not (tmp_path / "video.mp4").exists()
