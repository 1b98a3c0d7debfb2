"""Transient LLM errors are retried by the step's RetryPolicy; permanent ones and failed blocking checks are not.

The LLM is the real OpenAI client talking to a real HTTP server on localhost; the client's own retries are off
(max_retries=0) so that every recovery seen here is the step's.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import select

from resources.llm import LlmResource
from sensors.launch import execute_request
from tests.llm.fake_openai_server import FakeOpenAIServer, ScriptedResponse, error_reply, json_reply, message_text
from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaAnalysis, RenderedVideo, VideoScript
from video_assets.db.repository import get_request, list_events
from video_assets.definitions import build_definitions

ARTICLE = """# 小小实验室

清晨的实验室里，宇航员正在检查火箭的模型。

屏幕上的彩条是设备自检的画面。
"""
ANALYSIS = {
    "theme": "实验室",
    "description": "实验室里的一个画面。",
    "ocr_text": "",
    "narrative_role": "b_roll",
    "keywords": ["实验室"],
    "quality_score": 0.8,
}
SEO = {
    "titles": ["小小实验室", "实验室的一天", "小小实验室：宇航员检查火箭模型的一天"],
    "description": "实验室里的一天。",
    "tags": ["实验室", "宇航员", "火箭", "科学", "日常"],
}
CALLS = {
    "You are a video editor's assistant": "describe_material",
    "You are a short-video script writer": "write_script",
    "You are an SEO expert": "write_seo",
}


@dataclass
class Model:
    """Answers each chat call the way a model would, from the prompt it is sent.

    The first `outages[call]` calls of a kind are answered 503. Scripts in an `uncovering_styles` style leave the
    video material out, which the backend's validation rejects however often it asks again.
    """

    outages: dict[str, int] = field(default_factory=dict)
    uncovering_styles: frozenset[str] = frozenset()
    calls: Counter[str] = field(default_factory=Counter)

    def __call__(self, request: dict[str, Any]) -> ScriptedResponse:
        system = message_text(request, "system")
        call = next(name for opening, name in CALLS.items() if system.startswith(opening))
        self.calls[call] += 1
        if self.calls[call] <= self.outages.get(call, 0):
            return error_reply(503, "the model is overloaded")
        if call == "describe_material":
            return json_reply(ANALYSIS)
        if call == "write_seo":
            return json_reply(SEO)
        return json_reply(self._script(system, message_text(request, "user")))

    def _script(self, system: str, user: str) -> dict[str, Any]:
        style = _found(r"Style: (\w+)\.", system)
        target = float(_found(r"close to (\d+) seconds", system))
        materials = json.JSONDecoder().raw_decode(user.split("Materials (JSON):", 1)[1].strip())[0]
        if style in self.uncovering_styles:
            materials = [material for material in materials if material["kind"] != "video"]
        seconds = round(target / len(materials), 2)
        scenes = [
            {
                "narration": f"第{number}个画面。",
                "material_id": material["id"],
                "in_point": 0.0,
                "out_point": seconds,
                "planned_duration": seconds,
            }
            for number, material in enumerate(materials, start=1)
        ]
        return {"style": style, "hook": scenes[0]["narration"], "scenes": scenes}


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in the prompt"
    return match.group(1)


@pytest.fixture(scope="module")
def materials(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("transient")
    # The clip lasts as long as the 4 s scene the stand-in model gives it: a script may not loop a clip.
    return [photo("astronaut", root / "astronaut.jpg", size=(320, 320)), clip(root / "bars.mp4", 320, 180, seconds=4)]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def openai_llm(server: FakeOpenAIServer) -> LlmResource:
    return LlmResource(
        backend="openai",
        base_url=server.base_url,
        api_key="test-key",
        text_model="fake-model",
        max_retries=0,
        workers=2,
    )


def request_fields(materials: list[Path], **fields: Any) -> dict[str, Any]:
    return {
        "title": "小小实验室",
        "markdown": ARTICLE,
        "materials": [{"uri": str(path)} for path in materials],
        "video_count": 1,
        "aspect": "1:1",
        "target_duration": 8,
        **fields,
    }


def steps_restarted(instance: dg.DagsterInstance) -> Counter[str]:
    return Counter(
        entry.dagster_event.step_key
        for run in instance.get_runs()
        for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_RESTARTED)
        if entry.dagster_event and entry.dagster_event.step_key
    )


def test_llm_answering_503_twice_then_200_is_recovered_by_the_step_retry_and_the_request_completes(
    database_url: str, fake_openai: FakeOpenAIServer, materials: list[Path], tmp_path: Path
) -> None:
    fake_openai.queue(error_reply(503, "the model is overloaded"), error_reply(503, "the model is overloaded"))
    fake_openai.responder = Model()
    request_id = submit(database_url, **request_fields(materials))
    resources = pipeline_resources(database_url, None, "", tmp_path, [materials[0].parent])
    defs = build_definitions({**resources, "llm": openai_llm(fake_openai)})
    with dg.DagsterInstance.ephemeral() as instance:
        assert execute_request(instance, defs, request_id)
        restarted = steps_restarted(instance)
    assert fake_openai.statuses.count(503) == 2
    assert restarted == {"media_analyses": 1}  # both materials were described on the step's second attempt
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        analyses = list(session.scalars(select(MediaAnalysis).filter_by(request_id=request_id)))
        videos = list(session.scalars(select(RenderedVideo).filter_by(request_id=request_id)))
    assert (request.status, request.error) == ("completed", None)
    assert [a.status for a in analyses] == ["ready", "ready"]
    assert [(v.variant_index, v.status, v.width, v.height) for v in videos] == [(0, "ready", 1080, 1080)]


def test_llm_always_answering_503_fails_the_request_naming_http_503_after_the_step_retries(
    sqlite_database_url: str, fake_openai: FakeOpenAIServer, materials: list[Path], tmp_path: Path
) -> None:
    fake_openai.responder = lambda _request: error_reply(503, "the model is overloaded")
    request_id = submit(sqlite_database_url, **request_fields(materials))
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [materials[0].parent])
    defs = build_definitions({**resources, "llm": openai_llm(fake_openai)})
    with dg.DagsterInstance.ephemeral() as instance:
        assert not execute_request(instance, defs, request_id)
        restarted = steps_restarted(instance)
        (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert restarted == {"media_analyses": 3}
    assert fake_openai.statuses == [503] * 8  # 2 materials x 4 attempts of the step, one HTTP request each
    with session_scope(sqlite_database_url) as session:
        request = get_request(session, request_id)
        analyses = list(session.scalars(select(MediaAnalysis).filter_by(request_id=request_id)))
    assert (request.status, request.stage) == ("failed", "media_analyses")
    assert "HTTP 503: the model is overloaded" in request.error
    assert "still failing after 4 attempts" in request.error
    assert all(a.status == "failed" and "HTTP 503" in a.reason for a in analyses)


def test_transient_script_failure_retries_the_step_after_the_other_variants_are_written(
    sqlite_database_url: str, fake_openai: FakeOpenAIServer, materials: list[Path], tmp_path: Path
) -> None:
    model = Model(outages={"write_script": 1})
    fake_openai.responder = model
    request_id = submit(sqlite_database_url, **request_fields(materials, video_count=2))
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [materials[0].parent])
    resources["llm"] = openai_llm(fake_openai)
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items, media_analyses, video_scripts], request_id, instance, resources)
        restarted = steps_restarted(instance)
    assert result.success
    assert restarted == {"video_scripts": 1}
    # Attempt 1: v0 is answered 503 and v1 is still written (script + SEO); attempt 2 writes both.
    assert (model.calls["write_script"], model.calls["write_seo"]) == (4, 3)
    with session_scope(sqlite_database_url) as session:
        scripts = list(session.scalars(select(VideoScript).filter_by(request_id=request_id)))
        failures = [e for e in list_events(session, request_id) if e.kind == "variant_failed"]
        request = get_request(session, request_id)
    assert sorted(s.variant_index for s in scripts) == [0, 1]
    assert [(e.message.split(":")[0], e.data) for e in failures] == [("script v0 (default)", {"transient": True})]
    assert request.status == "processing" and request.error is None


def test_script_still_invalid_after_repairs_fails_only_its_variant_without_retrying_the_step(
    sqlite_database_url: str, fake_openai: FakeOpenAIServer, materials: list[Path], tmp_path: Path
) -> None:
    model = Model(uncovering_styles=frozenset({"product_geek"}))
    fake_openai.responder = model
    request_id = submit(sqlite_database_url, **request_fields(materials, video_count=2))
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [materials[0].parent])
    resources["llm"] = openai_llm(fake_openai)
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items, media_analyses, video_scripts], request_id, instance, resources)
        restarted = steps_restarted(instance)
    assert result.success and not restarted
    assert model.calls["write_script"] == 1 + 3  # v0 once; v1 asked, then re-asked twice with the validation error
    assert all(check.passed for check in result.get_asset_check_evaluations())
    with session_scope(sqlite_database_url) as session:
        scripts = list(session.scalars(select(VideoScript).filter_by(request_id=request_id)))
        failures = [e for e in list_events(session, request_id) if e.kind == "variant_failed"]
    assert [s.variant_index for s in scripts] == [0]
    assert len(failures) == 1 and failures[0].data == {"transient": False}
    assert "script v1 (product_geek)" in failures[0].message and "video materials not used" in failures[0].message


def test_failed_blocking_script_check_fails_the_request_with_its_problem_and_nothing_is_rendered(
    sqlite_database_url: str, materials: list[Path], tmp_path: Path
) -> None:
    # The offline planner narrates the article it is given; two short sentences cannot fill a 60 s video.
    request_id = submit(sqlite_database_url, **request_fields(materials[:1], target_duration=60))
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [materials[0].parent])
    defs = build_definitions(resources)
    with dg.DagsterInstance.ephemeral() as instance:
        assert not execute_request(instance, defs, request_id)
        (run,) = instance.get_runs()
        started = [
            entry.dagster_event.step_key
            for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
            if entry.dagster_event
        ]
        check_key = dg.AssetCheckKey(dg.AssetKey("video_scripts"), "script_duration")
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key([check_key])[check_key]
        restarted = steps_restarted(instance)
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert "video_scripts" in started and not [step for step in started if step.startswith("rendered_videos")]
    assert check.status.value == "FAILED"
    assert not restarted  # the same scripts would fail the check again
    with session_scope(sqlite_database_url) as session:
        request = get_request(session, request_id)
        videos = list(session.scalars(select(RenderedVideo).filter_by(request_id=request_id)))
    assert (request.status, request.stage) == ("failed", "video_scripts")
    assert re.fullmatch(
        r"script_duration failed: v0: script lasts [\d.]+s, shorter than 45\.0s \(target 60s\)", request.error
    )
    assert videos == []
