from __future__ import annotations

import re

import pytest

from tests.scripting.conftest import ARTICLE_TITLE
from video_assets.llm import OFFLINE_SCRIPT_VERSION, OFFLINE_SEO_VERSION, OfflinePlanner
from video_assets.scripting import (
    MaterialBrief,
    PlanningError,
    Script,
    check_coverage,
    duration_bounds,
    estimate_narration_seconds,
    title_limits,
    total_duration,
)

TARGET = 60.0
VARIANTS = [("default", 0), ("product_geek", 1), ("default", 2)]


@pytest.fixture(scope="module")
def scripts(article_text: str, material_briefs: list[MaterialBrief]) -> list[Script]:
    planner = OfflinePlanner()
    results = []
    for style, variant in VARIANTS:
        script, version = planner.write_script(
            ARTICLE_TITLE, article_text, material_briefs, style, "zh", TARGET, variant
        )
        assert version == OFFLINE_SCRIPT_VERSION
        results.append(script)
    return results


def test_every_variant_satisfies_the_coverage_rule(scripts: list[Script], material_briefs: list[MaterialBrief]) -> None:
    for script in scripts:
        report = check_coverage(script, material_briefs)
        assert report.ok, report.reason()
        assert report.used_ids == sorted(brief.id for brief in material_briefs)  # 8 materials, room for all


def test_every_variant_fits_the_target_duration(scripts: list[Script]) -> None:
    low, high = duration_bounds(TARGET)
    for script in scripts:
        assert low <= total_duration(script) <= high


def test_variants_differ_in_hook_and_material_order(scripts: list[Script]) -> None:
    hooks = {script.hook for script in scripts}
    orders = {tuple(scene.material_id for scene in script.scenes) for script in scripts}
    assert len(hooks) == 3
    assert len(orders) == 3
    assert [script.style for script in scripts] == ["default", "product_geek", "default"]


def test_first_scene_narrates_the_hook(scripts: list[Script]) -> None:
    for script in scripts:
        assert script.scenes[0].narration == script.hook


def test_product_geek_opens_with_numbers_and_uses_shorter_scenes(scripts: list[Script]) -> None:
    default, geek, _ = scripts
    assert any(char.isdigit() for char in geek.hook)
    mean = lambda script: total_duration(script) / len(script.scenes)  # noqa: E731
    assert mean(geek) < mean(default)
    assert len(geek.scenes) > len(default.scenes)


def test_default_style_keeps_the_article_order(scripts: list[Script], article_text: str) -> None:
    # a scene may start with its section header ("外观与手感：") and may end in a trimmed clause, so match the body
    bodies = [re.sub(r"^[^：]{1,12}：", "", scene.narration) for scene in scripts[0].scenes[1:]]
    positions = [article_text.find(body.rstrip("。，")[:14]) for body in bodies]
    assert all(position >= 0 for position in positions)
    assert positions == sorted(positions)


def test_narration_is_article_text_without_markdown(scripts: list[Script]) -> None:
    for script in scripts:
        for scene in script.scenes:
            assert not any(mark in scene.narration for mark in ("![", "](", "##", "<video", "http"))


def test_scene_points_lie_inside_each_material(scripts: list[Script], material_briefs: list[MaterialBrief]) -> None:
    by_id = {brief.id: brief for brief in material_briefs}
    for script in scripts:
        for scene in script.scenes:
            brief = by_id[scene.material_id]
            if brief.kind == "image":
                assert (scene.in_point, scene.out_point) == (0.0, scene.planned_duration)
            else:
                assert 0.0 <= scene.in_point < scene.out_point <= brief.duration
                assert scene.planned_duration >= estimate_narration_seconds(scene.narration, "zh")


def test_planning_is_deterministic(
    article_text: str, material_briefs: list[MaterialBrief], scripts: list[Script]
) -> None:
    again, _ = OfflinePlanner().write_script(
        ARTICLE_TITLE, article_text, material_briefs, "product_geek", "zh", TARGET, 1
    )
    assert again == scripts[1]


def test_unknown_style_falls_back_to_default_rules_under_its_own_name(
    article_text: str, material_briefs: list[MaterialBrief]
) -> None:
    script, _ = OfflinePlanner().write_script(
        ARTICLE_TITLE, article_text, material_briefs, "storyteller", "zh", TARGET, 0
    )
    assert script.style == "storyteller"
    assert check_coverage(script, material_briefs).ok


def test_seo_meta_has_three_titles_within_platform_limits_and_5_to_10_tags(scripts: list[Script]) -> None:
    planner = OfflinePlanner()
    for script in scripts:
        seo, version = planner.write_seo(script, ARTICLE_TITLE, "zh")
        assert version == OFFLINE_SEO_VERSION
        assert [len(title) <= limit for title, limit in zip(seo.titles, title_limits("zh"), strict=True)] == [True] * 3
        assert len(set(seo.titles)) == 3
        assert 5 <= len(seo.tags) <= 10 and all(" " not in tag for tag in seo.tags)
        assert script.hook in seo.description


def test_too_many_materials_for_a_short_video_is_a_clear_planner_error_that_names_no_llm(
    article_text: str, material_briefs: list[MaterialBrief]
) -> None:
    many = [brief.model_copy(update={"id": 1000 + index}) for index in range(6) for brief in material_briefs]
    with pytest.raises(PlanningError, match="cannot show 39 materials") as raised:
        OfflinePlanner().write_script(ARTICLE_TITLE, article_text, many, "default", "zh", 10.0, 0)
    assert "LLM" not in f"{type(raised.value).__name__}: {raised.value}"  # what the request's reason will read


def test_materials_are_described_with_roles_keywords_and_quality(material_briefs: list[MaterialBrief]) -> None:
    analyses = [brief.analysis for brief in material_briefs]
    assert all(analysis is not None and analysis.keywords and 0 < analysis.quality_score <= 1 for analysis in analyses)
    assert analyses[0].narrative_role == "opening_hook"
    assert analyses[-1].narrative_role != "opening_hook"
    assert "视频素材" in analyses[1].description and "图片素材" in analyses[0].description
