"""The interface every LLM backend (offline planner, OpenAI-compatible endpoint) implements."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from video_assets.scripting.models import MaterialAnalysis, MaterialBrief, Script, SeoMeta


@runtime_checkable
class LlmBackend(Protocol):
    """Each method returns its validated result and the prompt version that produced it (stored with the row).
    Article text comes in plain, as parsed once by media_items; no backend parses Markdown."""

    def describe_material(
        self, brief: MaterialBrief, keyframe_paths: Sequence[Path], article_context: str
    ) -> tuple[MaterialAnalysis, str]: ...

    def write_script(
        self,
        article_title: str,
        article_text: str,
        briefs: Sequence[MaterialBrief],
        style: str,
        language: str,
        target_seconds: float,
        variant_index: int,
    ) -> tuple[Script, str]: ...

    def write_seo(
        self,
        script: Script,
        article_title: str,
        language: str,
        platforms: Sequence[str] = ...,
        seed_tags: Sequence[str] = ...,
    ) -> tuple[SeoMeta, str]:
        """Titles, description and tags, and a package within each of `platforms`' limits; `seed_tags` (the
        request's own tags, the materials' analysis keywords) come first among the tags."""
        ...


ScriptWriter = LlmBackend
