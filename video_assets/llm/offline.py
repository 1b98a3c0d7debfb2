"""The embedded default backend: deterministic, no network, built from article text and CV features."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from video_assets.llm.errors import LlmError
from video_assets.platforms import DEFAULT_PLATFORMS
from video_assets.scripting.models import MaterialAnalysis, MaterialBrief, Script, SeoMeta
from video_assets.scripting.offline_describe import describe_offline
from video_assets.scripting.offline_seo import write_seo_offline
from video_assets.scripting.offline_writer import PlanningError, plan_script

OFFLINE_DESCRIBE_VERSION = "offline.describe_material.v1"
OFFLINE_SCRIPT_VERSION = "offline.write_script.v1"
OFFLINE_SEO_VERSION = "offline.seo.v2"


class OfflinePlanner:
    """Implements LlmBackend without a model. `article_context` for describe_material is the article text."""

    def describe_material(
        self, brief: MaterialBrief, keyframe_paths: Sequence[Path], article_context: str
    ) -> tuple[MaterialAnalysis, str]:
        return describe_offline(brief, article_context), OFFLINE_DESCRIBE_VERSION

    def write_script(
        self,
        article_title: str,
        article_text: str,
        briefs: Sequence[MaterialBrief],
        style: str,
        language: str,
        target_seconds: float,
        variant_index: int,
    ) -> tuple[Script, str]:
        try:
            script = plan_script(article_title, article_text, briefs, style, language, target_seconds, variant_index)
        except PlanningError as error:
            raise LlmError("write_script (offline)", 1, str(error)) from error
        return script, OFFLINE_SCRIPT_VERSION

    def write_seo(
        self,
        script: Script,
        article_title: str,
        language: str,
        platforms: Sequence[str] = DEFAULT_PLATFORMS,
        seed_tags: Sequence[str] = (),
    ) -> tuple[SeoMeta, str]:
        return write_seo_offline(script, article_title, language, platforms, seed_tags), OFFLINE_SEO_VERSION
