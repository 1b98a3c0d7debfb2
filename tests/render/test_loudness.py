"""Loudness measurement of a real soundtrack and the gain that follows from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media_samples import tone
from video_assets.render.errors import RenderError
from video_assets.render.loudness import MAX_GAIN_DB, TARGET_LUFS, gain_to_target, measure_integrated_loudness


def ebur128(path: Path | str, *input_options: str) -> list[str]:
    measure = ["-af", "ebur128=framelog=verbose", "-f", "null", "-"]
    return ["ffmpeg", "-hide_banner", "-nostats", *input_options, "-i", str(path), *measure]


def test_a_tone_measures_near_its_known_loudness_and_silence_measures_as_none(tmp_path: Path) -> None:
    measured = measure_integrated_loudness(ebur128(tone(tmp_path / "tone.mp3", 3, frequency=1000)))
    assert measured is not None and -40 < measured < -3
    assert measure_integrated_loudness(ebur128("anullsrc=r=48000:cl=stereo", "-f", "lavfi", "-t", "2")) is None


def test_gain_reaches_the_target_but_is_bounded_and_skips_silence() -> None:
    assert gain_to_target(-23.0) == pytest.approx(TARGET_LUFS + 23.0)
    assert gain_to_target(-60.0) == MAX_GAIN_DB
    assert gain_to_target(None) == 0.0


def test_an_unreadable_soundtrack_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wave file")
    with pytest.raises(RenderError, match="loudness measurement failed"):
        measure_integrated_loudness(ebur128(broken))
