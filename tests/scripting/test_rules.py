from __future__ import annotations

import pytest
from pydantic import ValidationError

from video_assets.scripting import (
    MaterialBrief,
    Scene,
    Script,
    SeoMeta,
    check_coverage,
    duration_problem,
    estimate_narration_seconds,
)

BRIEFS = [
    MaterialBrief(id=1, kind="video", duration=5.0, width=1920, height=1080),
    MaterialBrief(id=2, kind="image", width=800, height=600),
    MaterialBrief(id=3, kind="image", width=800, height=600),
    MaterialBrief(id=4, kind="image", width=800, height=600),
    MaterialBrief(id=5, kind="image", width=800, height=600),
]


def script_of(*ids: int, seconds: float = 4.0) -> Script:
    return Script(
        style="default",
        hook="hook",
        scenes=[
            Scene(narration="text", material_id=i, in_point=0, out_point=seconds, planned_duration=seconds) for i in ids
        ],
    )


def test_four_of_five_materials_including_the_video_is_enough() -> None:
    report = check_coverage(script_of(1, 2, 3, 4), BRIEFS)
    assert report.ok and report.unused_ids == [5] and report.share_used == 0.8


def test_an_unused_video_fails_coverage_even_when_80_percent_are_used() -> None:
    report = check_coverage(script_of(2, 3, 4, 5), BRIEFS)
    assert not report.ok and report.video_ids_missing == [1]
    assert "video materials not used: [1]" in report.reason()


def test_unknown_ids_fail_coverage() -> None:
    report = check_coverage(script_of(1, 2, 3, 4, 42), BRIEFS)
    assert not report.ok and report.unknown_ids == [42]


def test_too_few_materials_fail_coverage() -> None:
    report = check_coverage(script_of(1, 2, 3), BRIEFS)
    assert not report.ok and report.share_used == 0.6


def test_chinese_narration_runs_at_about_200_characters_a_minute() -> None:
    assert estimate_narration_seconds("字" * 200, "zh") == pytest.approx(60.0)


def test_english_narration_runs_at_about_150_words_a_minute() -> None:
    assert estimate_narration_seconds(" ".join(["word"] * 150), "en") == pytest.approx(60.0)


def test_numbers_are_read_digit_by_digit_in_chinese_but_as_one_word_in_english() -> None:
    assert estimate_narration_seconds("3999", "zh") > estimate_narration_seconds("3999", "en")


def test_duration_outside_the_bounds_is_reported() -> None:
    assert duration_problem(script_of(1, 2, 3, 4, seconds=15.0), 60.0) == ""
    assert "shorter than" in duration_problem(script_of(1, 2, seconds=5.0), 60.0)
    assert "longer than" in duration_problem(script_of(1, 2, 3, 4, seconds=30.0), 60.0)


def test_scene_out_point_must_follow_in_point() -> None:
    with pytest.raises(ValidationError, match="must be after in_point"):
        Scene(narration="x", material_id=1, in_point=3.0, out_point=2.0, planned_duration=1.0)


def test_seo_meta_needs_exactly_three_titles_and_5_to_10_tags() -> None:
    tags = ["a", "b", "c", "d", "e"]
    assert SeoMeta(titles=["1", "2", "3"], description="d", tags=["#a", *tags[1:]]).tags == tags
    with pytest.raises(ValidationError):
        SeoMeta(titles=["1", "2"], description="d", tags=tags)
    with pytest.raises(ValidationError):
        SeoMeta(titles=["1", "2", "3"], description="d", tags=tags[:4])
