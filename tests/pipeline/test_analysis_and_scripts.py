import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from resources.llm import LlmResource
from tests.llm.fake_openai_server import FakeOpenAIServer, error_reply, json_reply
from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaAnalysis, VideoScript
from video_assets.db.repository import get_request
from video_assets.platforms import PLATFORMS, package_problems
from video_assets.safe_markdown import escape

ARTICLE = (Path(__file__).parents[1] / "scripting" / "article_zh.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def eight_materials(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("eight")
    return [
        photo("astronaut", root / "astronaut.jpg"),
        photo("camera", root / "camera.png"),
        photo("rocket", root / "rocket.jpg"),
        photo("coins", root / "coins.jpg"),
        clip(root / "landscape.mp4", 640, 360, seconds=4),
        clip(root / "portrait.mp4", 360, 640, seconds=3, source="smptebars"),
        clip(root / "rotated.mp4", 320, 180, seconds=3, rotation=90, source="mandelbrot"),
        clip(root / "square.mp4", 320, 320, seconds=5, source="rgbtestsrc"),
    ]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def test_offline_planner_turns_a_chinese_article_into_three_covering_scripts_with_seo(
    postgres_url: str, s3_endpoint: str, s3_store, eight_materials: list[Path], tmp_path: Path
) -> None:
    assert len(ARTICLE) >= 1400
    request_id = submit(
        postgres_url,
        title="星河 X7 Pro 深度评测",
        markdown=ARTICLE,
        video_count=3,
        target_duration=60,
        materials=[{"uri": str(path)} for path in eight_materials],
        platforms=["douyin", "xiaohongshu", "bilibili"],
    )
    resources = pipeline_resources(postgres_url, s3_endpoint, s3_store.bucket, tmp_path, [eight_materials[0].parent])
    resources["llm"] = LlmResource(workers=4)
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items, media_analyses, video_scripts], request_id, instance, resources)
    assert result.success
    with session_scope(postgres_url) as session:
        analyses = list(session.scalars(select(MediaAnalysis).where(MediaAnalysis.request_id == request_id)))
        scripts = list(session.scalars(select(VideoScript).where(VideoScript.request_id == request_id)))
    assert len(analyses) == 8 and {a.status for a in analyses} == {"ready"}
    assert all(a.cv_features["sharpness"] > 0 and a.description["keywords"] for a in analyses)
    assert sorted(s.variant_index for s in scripts) == [0, 1, 2]
    assert [s.style for s in sorted(scripts, key=lambda s: s.variant_index)] == ["default", "product_geek", "default"]
    for script in scripts:
        assert script.coverage["ok"], script.coverage
        assert 45 <= script.planned_duration <= 69
        assert len(script.seo["titles"]) == 3 and script.seo["description"] and 5 <= len(script.seo["tags"]) <= 10
        assert list(script.platforms) == ["douyin", "xiaohongshu", "bilibili"]
        for name, package in script.platforms.items():
            assert package_problems(PLATFORMS[name], package["title"], package["description"], package["tags"]) == []
    assert len({json.dumps(s.scenes) for s in scripts}) == 3
    assert len({s.title for s in scripts}) == 3
    assert all(check.passed for check in result.get_asset_check_evaluations())
    platforms = result.asset_materializations_for_node("video_scripts")[0].metadata["platforms"].value
    assert escape("小红书 (xiaohongshu)") in platforms and escape("哔哩哔哩 (bilibili)") in platforms
    metadata = result.asset_materializations_for_node("media_analyses")[0].metadata
    assert metadata["items"].value == 8 and metadata["workers"].value == 4
    assert metadata["sum_of_item_seconds"].value > 0 and metadata["wall_seconds"].value > 0


def test_openai_backend_descriptions_are_stored_with_their_prompt_version(
    sqlite_database_url: str, fake_openai: FakeOpenAIServer, eight_materials: list[Path], tmp_path: Path
) -> None:
    analysis = {
        "theme": "太空",
        "description": "宇航员肖像",
        "ocr_text": "",
        "narrative_role": "opening_hook",
        "keywords": ["宇航员", "太空"],
        "quality_score": 0.8,
    }
    fake_openai.queue(json_reply(analysis), json_reply(analysis))
    request_id = submit(sqlite_database_url, materials=[{"uri": str(p)} for p in eight_materials[:2]])
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [eight_materials[0].parent])
    resources["llm"] = LlmResource(
        backend="openai", base_url=fake_openai.base_url, api_key="test-key", text_model="fake-model", workers=2
    )
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items, media_analyses], request_id, instance, resources)
    assert result.success
    with session_scope(sqlite_database_url) as session:
        rows = list(session.scalars(select(MediaAnalysis).where(MediaAnalysis.request_id == request_id)))
    assert [(r.status, r.prompt_version, r.description["theme"]) for r in rows] == [
        ("ready", "describe_material.v1", "太空")
    ] * 2
    user_messages = [request["json"]["messages"][1]["content"] for request in fake_openai.requests]
    images = [part for content in user_messages for part in content if part["type"] == "image_url"]
    assert images and all(part["image_url"]["url"].startswith("data:image/jpeg;base64,") for part in images)


def test_unreachable_llm_records_each_failure_and_fails_the_request_clearly(
    sqlite_database_url: str, fake_openai: FakeOpenAIServer, eight_materials: list[Path], tmp_path: Path
) -> None:
    fake_openai.queue(*[error_reply(500, "upstream down")] * 20)
    request_id = submit(sqlite_database_url, materials=[{"uri": str(p)} for p in eight_materials[:2]])
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [eight_materials[0].parent])
    resources["llm"] = LlmResource(
        backend="openai", base_url=fake_openai.base_url, api_key="test-key", text_model="fake-model", max_retries=1
    )
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items, media_analyses], request_id, instance, resources)
    assert not result.success
    with session_scope(sqlite_database_url) as session:
        rows = list(session.scalars(select(MediaAnalysis).where(MediaAnalysis.request_id == request_id)))
        request = get_request(session, request_id)
    assert len(rows) == 2 and all(r.status == "failed" and "500" in r.reason for r in rows)
    assert request.status == "failed" and request.stage == "media_analyses"
    assert "2 of 2 analyses failed" in request.error
