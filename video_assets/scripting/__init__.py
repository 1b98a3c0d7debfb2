"""Script planning: the planner's models, the coverage rule, duration estimates and the offline planner."""

from video_assets.scripting.coverage import CoverageReport, check_coverage, min_materials_to_use
from video_assets.scripting.duration import (
    duration_bounds,
    duration_problem,
    estimate_narration_seconds,
    total_duration,
)
from video_assets.scripting.models import (
    NARRATIVE_ROLES,
    MaterialAnalysis,
    MaterialBrief,
    NarrativeRole,
    Scene,
    Script,
    SeoMeta,
)
from video_assets.scripting.offline_writer import PlanningError, plan_script, script_problems
from video_assets.scripting.seo_limits import title_limits

__all__ = [
    "NARRATIVE_ROLES",
    "CoverageReport",
    "MaterialAnalysis",
    "MaterialBrief",
    "NarrativeRole",
    "PlanningError",
    "Scene",
    "Script",
    "SeoMeta",
    "check_coverage",
    "duration_bounds",
    "duration_problem",
    "estimate_narration_seconds",
    "min_materials_to_use",
    "plan_script",
    "script_problems",
    "title_limits",
    "total_duration",
]
