"""Real media for render tests, made once per session: scikit-image photos, lavfi clips, a BGM and a logo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media_samples import clip, photo, tone
from video_assets.tts import EspeakTts


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("render-media")


@pytest.fixture(scope="session")
def tts() -> EspeakTts:
    return EspeakTts(speed=190)


@pytest.fixture(scope="session")
def astronaut_photo(media_dir: Path) -> Path:
    return photo("astronaut", media_dir / "astronaut.jpg")


@pytest.fixture(scope="session")
def rotated_clip(media_dir: Path) -> Path:
    """Stored 640x360 with rotation=90 side data, so it displays as 360x640 portrait."""
    return clip(media_dir / "rotated.mp4", 640, 360, seconds=3.0, rotation=90)


@pytest.fixture(scope="session")
def four_three_clip(media_dir: Path) -> Path:
    return clip(media_dir / "four-three.mp4", 640, 480, seconds=1.5, fps=25)


@pytest.fixture(scope="session")
def black_wide_clip(media_dir: Path) -> Path:
    """A 16:9 clip of pure black: anything bright drawn on it is ours (subtitles, watermark)."""
    return clip(media_dir / "black-wide.mp4", 640, 360, seconds=4.0, source="color")


@pytest.fixture(scope="session")
def bgm_file(media_dir: Path) -> Path:
    return tone(media_dir / "bgm.mp3", 4, frequency=330)


@pytest.fixture(scope="session")
def logo_file(media_dir: Path) -> Path:
    return photo("coins", media_dir / "logo.png", size=(160, 80))
