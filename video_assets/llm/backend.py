"""The interface every LLM backend (offline planner, OpenAI-compatible endpoint) implements."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from video_assets.scripting.models import MaterialAnalysis, MaterialBrief, Script, SeoMeta


@runtime_checkable
class LlmBackend(Protocol):
    """Each method returns its validated result and the prompt version that produced it (stored with the row)."""

    def describe_material(
        self, brief: MaterialBrief, keyframe_paths: Sequence[Path], article_context: str
    ) -> tuple[MaterialAnalysis, str]: ...

    def write_script(
        self,
        article_title: str,
        article_markdown: str,
        briefs: Sequence[MaterialBrief],
        style: str,
        language: str,
        target_seconds: float,
        variant_index: int,
    ) -> tuple[Script, str]: ...

    def write_seo(self, script: Script, article_title: str, language: str) -> tuple[SeoMeta, str]: ...


ScriptWriter = LlmBackend
