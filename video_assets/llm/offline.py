"""The embedded default backend: deterministic, no network, built from article text and CV features."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from video_assets.platforms import DEFAULT_PLATFORMS
from video_assets.request_json import describe_validation_error
from video_assets.scripting.models import MaterialAnalysis, MaterialBrief, Script, SeoMeta
from video_assets.scripting.offline_describe import describe_offline
from video_assets.scripting.offline_seo import write_seo_offline
from video_assets.scripting.offline_writer import PlanningError, plan_script

OFFLINE_DESCRIBE_VERSION = "offline.describe_material.v1"
OFFLINE_SCRIPT_VERSION = "offline.write_script.v1"
OFFLINE_SEO_VERSION = "offline.seo.v2"


@contextmanager
def _planner_step(step: str) -> Iterator[None]:
    """No model is called here, so a failure must not read as an LLM's: an invalid result becomes a PlanningError
    that names the planner's step and the fields at fault, instead of pydantic's raw dump."""
    try:
        yield
    except ValidationError as error:
        problems = "; ".join(describe_validation_error(error)[:5])
        raise PlanningError(f"offline planner could not {step}: {problems}") from error


class OfflinePlanner:
    """Implements LlmBackend without a model. `article_context` for describe_material is the article text.

    Its failures are PlanningErrors (the planner's own reasons, such as too many materials for the duration), never
    LlmErrors: no model was asked, so none is named."""

    def describe_material(
        self, brief: MaterialBrief, keyframe_paths: Sequence[Path], article_context: str
    ) -> tuple[MaterialAnalysis, str]:
        with _planner_step(f"describe material #{brief.id}"):
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
        with _planner_step(f"write the {style} script"):
            script = plan_script(article_title, article_text, briefs, style, language, target_seconds, variant_index)
        return script, OFFLINE_SCRIPT_VERSION

    def write_seo(
        self,
        script: Script,
        article_title: str,
        language: str,
        platforms: Sequence[str] = DEFAULT_PLATFORMS,
        seed_tags: Sequence[str] = (),
    ) -> tuple[SeoMeta, str]:
        with _planner_step("write the SEO metadata"):
            return write_seo_offline(script, article_title, language, platforms, seed_tags), OFFLINE_SEO_VERSION
