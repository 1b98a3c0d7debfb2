from __future__ import annotations

import pytest

from video_assets.prompts import PROMPT_VERSIONS, PromptError, render_prompt

SEO_V1_VARIABLES = {
    "language": "zh",
    "short_limit": 16,
    "medium_limit": 30,
    "long_limit": 55,
    "article_title": "标题 $notavariable {braces}",
    "hook": "钩子",
    "narration": "解说",
}


def test_every_prompt_version_has_both_templates_and_renders_user_text_verbatim() -> None:
    variables = {**SEO_V1_VARIABLES, "platform_rules": "- douyin", "seed_tags": "$tag"}
    rendered = render_prompt(PROMPT_VERSIONS["seo"], **variables)
    assert rendered.version == "seo.v2"
    assert "at most 16 characters" in rendered.system and "- douyin" in rendered.system
    assert "标题 $notavariable {braces}" in rendered.user and "$tag" in rendered.user


def test_the_released_seo_v1_prompt_still_renders_for_rows_that_name_it() -> None:
    assert "at most 16 characters" in render_prompt("seo.v1", **SEO_V1_VARIABLES).system


def test_missing_prompt_variable_is_a_clear_error() -> None:
    with pytest.raises(PromptError, match="needs variable 'platform_rules'"):
        render_prompt(PROMPT_VERSIONS["seo"], language="zh")


def test_unknown_prompt_version_is_a_clear_error() -> None:
    with pytest.raises(PromptError, match="write_script.v9.system.txt does not exist"):
        render_prompt("write_script.v9")
