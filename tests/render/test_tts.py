from pathlib import Path

import pytest

from video_assets.tts import EspeakTts, TtsError, make_tts
from video_assets.tts.base import probe_audio_duration


def test_espeak_mandarin_gives_audio_and_one_timing_per_word(tts: EspeakTts, tmp_path: Path) -> None:
    narration = tts.synthesize("你好，世界。今天天气很好！", "zh", None, tmp_path / "n.wav")
    assert narration.audio_path.exists()
    assert narration.duration == pytest.approx(probe_audio_duration(narration.audio_path), abs=0.05)
    tokens = ["你好，", "世界。", "今天天气", "很", "好！"]
    assert [word.token for word in narration.words] == tokens
    starts = [word.start for word in narration.words]
    assert starts == sorted(starts)
    assert all(0 <= word.start < word.end <= narration.duration for word in narration.words)


def test_espeak_reads_chinese_characters_as_mandarin_not_english(tts: EspeakTts, tmp_path: Path) -> None:
    # Characters the voice cannot read would be spelled out as code points, taking many times longer.
    narration = tts.synthesize("我们", "zh", None, tmp_path / "n.wav")
    assert 0.2 < narration.duration < 2.0
    assert tts.voice_for("zh", None) == "cmn-latn-pinyin"


def test_espeak_english_timings_are_per_word(tts: EspeakTts, tmp_path: Path) -> None:
    narration = tts.synthesize("Hello brave new world.", "en", None, tmp_path / "n.wav")
    assert [word.token for word in narration.words] == ["Hello", "brave", "new", "world."]


def test_espeak_unknown_voice_is_a_clear_error(tts: EspeakTts, tmp_path: Path) -> None:
    with pytest.raises(TtsError, match="zz-nosuchvoice"):
        tts.synthesize("hello", "en", "zz-nosuchvoice", tmp_path / "n.wav")


def test_espeak_empty_text_is_rejected(tts: EspeakTts, tmp_path: Path) -> None:
    with pytest.raises(TtsError, match="empty"):
        tts.synthesize("  ", "zh", None, tmp_path / "n.wav")


def test_make_tts_rejects_unknown_backends_and_bad_settings() -> None:
    with pytest.raises(TtsError, match="unknown TTS backend"):
        make_tts("festival")
    with pytest.raises(TtsError, match="bad settings"):
        make_tts("espeak", volume=3)
    assert isinstance(make_tts("espeak-ng", speed=150), EspeakTts)


def test_edge_backend_without_the_extra_says_how_to_install_it() -> None:
    try:
        import edge_tts  # noqa: F401
    except ImportError:
        with pytest.raises(TtsError, match=r"video-assets\[edge\]"):
            make_tts("edge")
    else:
        pytest.skip("edge-tts is installed here")
