from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from tests.llm.fake_openai_server import FakeOpenAIServer, chat_reply, error_reply, json_reply
from video_assets.llm import LlmError
from video_assets.llm.openai_backend import OpenAICompatibleBackend
from video_assets.prompts import DESCRIBE_MATERIAL_PROMPT, SEO_PROMPT, WRITE_SCRIPT_PROMPT
from video_assets.scripting import MaterialBrief, Script, check_coverage

ANALYSIS = {
    "theme": "宇航员肖像",
    "description": "一位宇航员在美国国旗前的正式肖像。",
    "ocr_text": "",
    "narrative_role": "opening_hook",
    "keywords": ["宇航员", "NASA", "肖像"],
    "quality_score": 0.9,
}


def script_payload(*material_ids: int) -> dict:
    scenes = [
        {
            "narration": f"第{index}段解说，介绍这台手机的亮点。",
            "material_id": material_id,
            "in_point": 0.0,
            "out_point": 5.0,
            "planned_duration": 5.0,
        }
        for index, material_id in enumerate(material_ids)
    ]
    return {"style": "default", "hook": "这台手机续航有多强？", "scenes": scenes}


SEO = {
    "titles": ["续航怪兽", "X7 Pro 续航实测：一天一充", "星河 X7 Pro 深度评测：6000mAh 电池到底能用多久"],
    "description": "实测星河 X7 Pro 的续航与充电。",
    "tags": ["手机", "续航", "评测", "数码", "X7Pro"],
}


def last_user_text(request: dict) -> str:
    content = request["json"]["messages"][-1]["content"]
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


def write(backend: OpenAICompatibleBackend, briefs: list[MaterialBrief]) -> tuple[Script, str]:
    return backend.write_script("星河 X7 Pro 评测", "# 评测\n续航很强。", briefs, "default", "zh", 20.0, 0)


def test_describe_material_sends_keyframes_as_image_parts_and_parses_the_analysis(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief], keyframes: list[Path]
) -> None:
    fake_openai.queue(json_reply(ANALYSIS))

    analysis, version = backend.describe_material(briefs[0], keyframes, "星河 X7 Pro 评测\n上周我拿到了这台手机。")

    assert analysis.theme == "宇航员肖像" and analysis.narrative_role == "opening_hook"
    assert version == DESCRIBE_MATERIAL_PROMPT
    request = fake_openai.requests[0]["json"]
    assert request["model"] == "fake-vision"
    assert request["response_format"] == {"type": "json_object"}
    images = [part for part in request["messages"][1]["content"] if part["type"] == "image_url"]
    assert len(images) == 3
    assert all(part["image_url"]["url"].startswith("data:image/jpeg;base64,") for part in images)
    assert "开箱图" in last_user_text(fake_openai.requests[0])


def test_valid_script_is_parsed_with_its_prompt_version(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief]
) -> None:
    fake_openai.queue(json_reply(script_payload(1, 2, 3, 2)))

    script, version = write(backend, briefs)

    assert version == WRITE_SCRIPT_PROMPT
    assert [scene.material_id for scene in script.scenes] == [1, 2, 3, 2]
    assert check_coverage(script, briefs).ok
    assert script.scenes[0].out_point == script.scenes[0].planned_duration  # image points normalised to 0..planned


def test_json_inside_code_fences_with_a_trailing_comma_is_repaired_without_asking_again(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.queue(
        chat_reply(
            'Here you go:\n```json\n{"titles": ["a", "b", "c"], "description": "d",'
            ' "tags": ["t1", "t2", "t3", "t4", "t5"],}\n```'
        )
    )
    script = Script(
        style="default",
        hook="h",
        scenes=[{"narration": "n", "material_id": 1, "in_point": 0, "out_point": 3, "planned_duration": 3}],
    )

    seo, version = backend.write_seo(script, "标题", "zh")

    assert seo.titles == ["a", "b", "c"] and version == SEO_PROMPT
    assert len(fake_openai.requests) == 1


def test_malformed_json_is_sent_back_with_the_error_and_the_retry_is_used(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.queue(chat_reply("抱歉，我无法生成 JSON。"), json_reply(SEO))
    script = Script(
        style="default",
        hook="h",
        scenes=[{"narration": "n", "material_id": 1, "in_point": 0, "out_point": 3, "planned_duration": 3}],
    )

    seo, _ = backend.write_seo(script, "标题", "zh")

    assert seo.tags == SEO["tags"]
    assert len(fake_openai.requests) == 2
    assert "Your answer was invalid" in last_user_text(fake_openai.requests[1])


def test_missing_field_is_reasked_naming_the_field(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief], keyframes: list[Path]
) -> None:
    incomplete = {key: value for key, value in ANALYSIS.items() if key != "narrative_role"}
    fake_openai.queue(json_reply(incomplete), json_reply(ANALYSIS))

    analysis, _ = backend.describe_material(briefs[0], keyframes, "")

    assert analysis.narrative_role == "opening_hook"
    assert "narrative_role" in last_user_text(fake_openai.requests[1])


def test_hallucinated_material_id_is_rejected_and_the_model_is_asked_again(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief]
) -> None:
    fake_openai.queue(json_reply(script_payload(1, 99, 3, 1)), json_reply(script_payload(1, 2, 3, 2)))

    script, _ = write(backend, briefs)

    assert {scene.material_id for scene in script.scenes} == {1, 2, 3}
    assert len(fake_openai.requests) == 2
    assert "[99] do not exist" in last_user_text(fake_openai.requests[1])


def test_scene_with_unknown_id_is_dropped_when_the_rest_still_covers_the_materials(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief]
) -> None:
    fake_openai.queue(json_reply(script_payload(1, 2, 3, 2, 77)))

    script, _ = write(backend, briefs)

    assert [scene.material_id for scene in script.scenes] == [1, 2, 3, 2]
    assert len(fake_openai.requests) == 1


def test_script_breaking_coverage_every_time_ends_in_llm_error_never_a_script(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief]
) -> None:
    fake_openai.queue(*[json_reply(script_payload(1, 1, 3, 3)) for _ in range(3)])

    with pytest.raises(LlmError, match=r"write_script.*3 attempt.*video materials not used: \[2\]") as raised:
        write(backend, briefs)
    assert raised.value.transient is False  # asking again the same way will not fix it: no step retry


def test_rate_limited_request_is_retried_and_succeeds(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief]
) -> None:
    fake_openai.queue(error_reply(429, "rate limit reached", retry_after="0"), json_reply(script_payload(1, 2, 3, 2)))

    script, _ = write(backend, briefs)

    assert len(script.scenes) == 4
    assert len(fake_openai.requests) == 2


def test_persistent_server_error_raises_llm_error_naming_call_attempts_and_cause(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief]
) -> None:
    fake_openai.queue(*[error_reply(500, "upstream exploded") for _ in range(4)])

    with pytest.raises(LlmError) as raised:
        write(backend, briefs)

    message = str(raised.value)
    assert "write_script(style=default, variant=0)" in message
    assert "4 attempt(s)" in message and "HTTP 500: upstream exploded" in message
    assert len(fake_openai.requests) == 4
    assert raised.value.transient is True


def test_client_error_is_not_retried(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief]
) -> None:
    fake_openai.queue(error_reply(401, "invalid api key"))

    with pytest.raises(LlmError, match=r"1 attempt\(s\): HTTP 401: invalid api key") as raised:
        write(backend, briefs)
    assert len(fake_openai.requests) == 1
    assert raised.value.transient is False


def test_unreachable_endpoint_gives_a_transient_llm_error(briefs: list[MaterialBrief]) -> None:
    closed_port = OpenAICompatibleBackend(
        base_url="http://127.0.0.1:9/v1", api_key="k", text_model="m", timeout=5, max_retries=0
    )

    with pytest.raises(LlmError, match="APIConnectionError") as raised:
        write(closed_port, briefs)
    assert raised.value.transient is True


def test_llm_error_keeps_its_fields_and_transient_flag_through_pickling() -> None:
    error = LlmError("write_seo(style=default)", 4, "HTTP 503: overloaded", transient=True)

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.call, copy.attempts, copy.last_error, copy.transient) == (error.call, 4, error.last_error, True)
    assert str(copy) == str(error)


def test_surplus_seo_titles_and_tags_are_cut_to_the_allowed_counts(
    backend: OpenAICompatibleBackend, fake_openai: FakeOpenAIServer
) -> None:
    surplus = {**SEO, "titles": [*SEO["titles"], "第四个"], "tags": [f"#标签{i}" for i in range(12)]}
    fake_openai.queue(json_reply(surplus))
    script = Script(
        style="default",
        hook="h",
        scenes=[{"narration": "n", "material_id": 1, "in_point": 0, "out_point": 3, "planned_duration": 3}],
    )

    seo, _ = backend.write_seo(script, "标题", "zh")

    assert len(seo.titles) == 3
    assert seo.tags == [f"标签{i}" for i in range(10)]
