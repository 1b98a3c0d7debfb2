"""Per-platform packages stay within each platform's limits, from the offline planner and from a model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from tests.llm.fake_openai_server import FakeOpenAIServer, ScriptedResponse, json_reply, message_text
from video_assets.llm import LlmError, OfflinePlanner
from video_assets.llm.openai_backend import OpenAICompatibleBackend
from video_assets.platforms import PLATFORMS, package_problems
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting import MaterialAnalysis, MaterialBrief, Script, SeoMeta
from video_assets.stages.scripting import seed_tags

ALL = list(PLATFORMS)
LONG_TITLE = "星河 X7 Pro 深度评测：一台把续航做到极致、屏幕和影像也毫不妥协、价格还让人心动的年度旗舰手机全面体验报告"
SEED_TAGS = ["数码", "手机评测"]


def script(narrations: list[str], hook: str) -> Script:
    scenes = [
        {"narration": text, "material_id": 1, "in_point": 0, "out_point": 4, "planned_duration": 4}
        for text in narrations
    ]
    return Script(style="default", hook=hook, scenes=scenes)


CHINESE = script(
    [
        "这台手机的续航到底有多强？",
        "6000mAh 电池配合 100W 快充，二十八分钟就能充满。",
        "屏幕亮度达到 1600 尼特，阳光下看地图也毫不费力。",
        "起售价 3999 元，是今年最值得买的续航旗舰。",
    ],
    "这台手机的续航到底有多强？",
)


def assert_within_limits(seo: SeoMeta) -> None:
    assert set(seo.platforms) == set(ALL)
    for name, package in seo.platforms.items():
        assert package_problems(PLATFORMS[name], package.title, package.description, package.tags) == [], name
    # The limits themselves, as the platforms publish them.
    xiaohongshu, bilibili = seo.platforms["xiaohongshu"], seo.platforms["bilibili"]
    assert len(xiaohongshu.title) <= 20 and all(f"#{tag}[话题]#" in xiaohongshu.description for tag in xiaohongshu.tags)
    assert len(bilibili.title) <= 80 and len(bilibili.tags) <= 10 and "#" not in bilibili.description
    assert 6 <= len(seo.platforms["wechat_channels"].title) <= 16
    assert len(seo.platforms["douyin"].title) <= 30 and len(seo.platforms["douyin"].tags) <= 5
    youtube = seo.platforms["youtube_shorts"]
    assert len(youtube.title) <= 100 and len(re.findall(r"#\S+", youtube.description)) == len(youtube.tags) <= 3


def test_offline_packages_fit_every_platform_for_a_chinese_video() -> None:
    seo, version = OfflinePlanner().write_seo(CHINESE, LONG_TITLE, "zh", ALL, SEED_TAGS)
    assert version == "offline.seo.v2"
    assert_within_limits(seo)
    assert seo.tags[:2] == SEED_TAGS and seo.platforms["douyin"].tags[:2] == SEED_TAGS


def test_offline_packages_fit_every_platform_for_an_english_video() -> None:
    english = script(
        ["How long does this phone really last?", "A 6000 mAh battery charges fully in twenty-eight minutes."],
        "How long does this phone really last?",
    )
    title = "Galaxy X7 Pro review: the flagship phone that finally gets battery life right, and what it costs you"
    seo, _ = OfflinePlanner().write_seo(english, title, "en", ALL)
    assert_within_limits(seo)


def platform_reply(platforms: dict[str, Any]) -> dict[str, Any]:
    return {
        "titles": ["续航怪兽", "X7 Pro 续航实测：一天一充", "星河 X7 Pro 深度评测：6000mAh 电池到底能用多久"],
        "description": "实测星河 X7 Pro 的续航与充电。",
        "tags": ["手机", "续航", "评测", "数码", "X7Pro"],
        "platforms": platforms,
    }


FIRST = {
    "douyin": {"title": "一天一充的续航旗舰", "description": "续航实测！#手机 #续航", "tags": ["手机", "续航"]},
    "xiaohongshu": {"title": "我用了七天的续航旗舰手机，真实体验一次全部告诉你们", "tags": ["好物分享"]},
    "bilibili": {"title": "【深度评测】星河 X7 Pro", "tags": [f"#标签 {n}" for n in range(15)]},
    "kuaishou": {"title": "续航实测", "tags": ["手机"]},
    "wechat_channels": {"title": "续航旗舰七天实测", "tags": ["手机"]},
}
REPAIRED = {**FIRST, "xiaohongshu": {"title": "七天续航实测", "tags": ["好物分享"]}}


@pytest.fixture
def model() -> Iterator[FakeOpenAIServer]:
    replies = iter([platform_reply(FIRST), platform_reply(REPAIRED)])

    def answer(request: dict[str, Any]) -> ScriptedResponse:
        return json_reply(next(replies))

    server = FakeOpenAIServer(answer).start()
    yield server
    server.stop()


def backend_for(server: FakeOpenAIServer) -> OpenAICompatibleBackend:
    return OpenAICompatibleBackend(
        base_url=server.base_url,
        api_key="test-key",
        text_model="fake-text",
        timeout=10,
        max_retries=0,
        requests_per_minute=None,
        tokens_per_minute=None,
        max_output_repairs=1,
    )


def test_model_packages_are_held_to_every_platforms_limits(model: FakeOpenAIServer) -> None:
    seo, version = backend_for(model).write_seo(CHINESE, LONG_TITLE, "zh", ALL, SEED_TAGS)

    assert version == "seo.v2"
    assert_within_limits(seo)
    system = message_text(model.requests[0], "system")
    assert all(f"- {name} (" in system for name in ALL) and "#tag[话题]#" in system
    assert "数码, 手机评测" in message_text(model.requests[0], "user")
    # The too-long 小红书 title went back to the model with the reason, and its fix was used.
    too_long = len(FIRST["xiaohongshu"]["title"])
    repair = model.requests[1]["json"]["messages"][-1]["content"]
    assert f"xiaohongshu: title has {too_long} characters, it must have 1-20" in repair
    assert seo.platforms["xiaohongshu"].title == "七天续航实测"
    # Surplus and malformed tags are cleaned and cut; hashtags appear once, written the platform's way.
    assert seo.platforms["bilibili"].tags[:2] == SEED_TAGS and len(seo.platforms["bilibili"].tags) == 10
    douyin = seo.platforms["douyin"]
    body, hashtags = douyin.description.rsplit("\n", 1)
    assert body == "续航实测！" and hashtags.split() == ["#数码", "#手机评测", "#手机", "#续航", "#评测"]
    # A platform the model left out gets a package made from its general copy.
    assert seo.platforms["youtube_shorts"].title == "星河 X7 Pro 深度评测：6000mAh 电池到底能用多久"


def test_a_model_that_keeps_breaking_a_limit_fails_instead_of_passing_it_on() -> None:
    server = FakeOpenAIServer(lambda request: json_reply(platform_reply(FIRST))).start()
    try:
        with pytest.raises(LlmError, match="xiaohongshu: title has") as error:
            backend_for(server).write_seo(CHINESE, LONG_TITLE, "zh", ALL)
    finally:
        server.stop()
    assert not error.value.transient


def test_requests_target_douyin_unless_they_name_known_platforms() -> None:
    assert VideoRequestSpec(title="t", markdown="m").platforms == ["douyin"]
    spec = VideoRequestSpec(title="t", markdown="m", platforms=["bilibili", "douyin", "bilibili"])
    assert spec.platforms == ["bilibili", "douyin"]
    with pytest.raises(ValidationError, match="platforms.0"):
        VideoRequestSpec(title="t", markdown="m", platforms=["tiktok"])


def test_seed_tags_are_the_requests_own_then_the_keywords_most_materials_share() -> None:
    def brief(number: int, keywords: list[str]) -> MaterialBrief:
        analysis = MaterialAnalysis(
            theme="t", description="d", narrative_role="b_roll", keywords=keywords, quality_score=0.5
        )
        return MaterialBrief(id=number, kind="image", width=10, height=10, analysis=analysis)

    briefs = [brief(1, ["火箭", "发射台", "夜空"]), brief(2, ["火箭", "宇航员"]), brief(3, ["宇航员", "火箭"])]
    assert seed_tags(["航天", "火箭"], briefs) == ["航天", "火箭", "宇航员", "发射台"]
