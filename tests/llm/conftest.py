from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.media_samples import photo
from video_assets.llm.openai_backend import OpenAICompatibleBackend
from video_assets.scripting import MaterialBrief


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def backend(fake_openai: FakeOpenAIServer) -> OpenAICompatibleBackend:
    return OpenAICompatibleBackend(
        base_url=fake_openai.base_url,
        api_key="test-key",
        text_model="fake-text",
        vision_model="fake-vision",
        timeout=10,
        max_retries=3,
        requests_per_minute=600,
        tokens_per_minute=1_000_000,
        max_output_repairs=2,
        backoff_base_seconds=0.01,
        backoff_max_seconds=0.05,
    )


@pytest.fixture
def briefs() -> list[MaterialBrief]:
    return [
        MaterialBrief(id=1, kind="image", width=640, height=480, context="开箱图"),
        MaterialBrief(id=2, kind="video", duration=6.0, width=1280, height=720, context="充电演示"),
        MaterialBrief(id=3, kind="image", width=640, height=480, context="屏幕特写"),
    ]


@pytest.fixture
def keyframes(tmp_path: Path) -> list[Path]:
    return [photo(name, tmp_path / f"{name}.jpg") for name in ("astronaut", "coffee", "rocket")]
