from __future__ import annotations

import pytest

from video_assets.prompts import PROMPT_VERSIONS, PromptError, render_prompt


def test_every_prompt_version_has_both_templates_and_renders_user_text_verbatim() -> None:
    rendered = render_prompt(
        PROMPT_VERSIONS["seo"],
        language="zh",
        short_limit=16,
        medium_limit=30,
        long_limit=55,
        article_title="标题 $notavariable {braces}",
        hook="钩子",
        narration="解说",
    )
    assert rendered.version == "seo.v1"
    assert "at most 16 characters" in rendered.system
    assert "标题 $notavariable {braces}" in rendered.user


def test_missing_prompt_variable_is_a_clear_error() -> None:
    with pytest.raises(PromptError, match="needs variable 'short_limit'"):
        render_prompt(PROMPT_VERSIONS["seo"], language="zh")


def test_unknown_prompt_version_is_a_clear_error() -> None:
    with pytest.raises(PromptError, match="write_script.v9.system.txt does not exist"):
        render_prompt("write_script.v9")
