"""Everything submit refuses, for every door (CLI, feeds, a future HTTP API): the request's own rules that are
knowable before any work, and what this deployment cannot do for it."""

from __future__ import annotations

from video_assets.media import parse_article
from video_assets.request_schema import VideoRequestSpec
from video_assets.service.drawable_text import undrawable_text_problems
from video_assets.service.feasibility import scene_budget_problems
from video_assets.settings import Settings
from video_assets.submission import service_problems


def intake_problems(spec: VideoRequestSpec, offline_planner: bool) -> list[str]:
    """`field: reason` for each rule the request breaks whatever the deployment: materials the target duration
    cannot show, text the video would draw as boxes. `offline_planner` says the offline planner writes the scripts,
    so its own planning is checked."""
    article = parse_article(spec.markdown)
    return [*scene_budget_problems(spec, article, offline_planner), *undrawable_text_problems(spec, article)]


def request_problems(spec: VideoRequestSpec, settings: Settings) -> list[str]:
    """`field: reason` for everything that stops the request from succeeding on this deployment; empty when none."""
    return [*service_problems(spec, settings), *intake_problems(spec, settings.llm_backend == "offline")]
