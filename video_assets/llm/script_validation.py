"""Checks and safe repairs of a model-written script. What cannot be repaired becomes a re-ask message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from video_assets.scripting.coverage import check_coverage
from video_assets.scripting.duration import duration_problem
from video_assets.scripting.fitting import clips_within_length, whole_words
from video_assets.scripting.matching import scored
from video_assets.scripting.models import MaterialBrief, Script
from video_assets.scripting.points import clamp_scene_points


class InvalidOutput(ValueError):
    """The model's output is unusable; the message is written so it can be sent back to the model."""


def parse_model(model: type, data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()[:8])
        raise InvalidOutput(f"the JSON does not match the schema: {problems}") from error


def validated_script(
    data: dict[str, Any], briefs: Sequence[MaterialBrief], style: str, target_seconds: float
) -> Script:
    """A script that uses only known ids, covers the materials and fits the duration, or InvalidOutput.

    Repairs: the style is set to the requested one; points are clamped into each material; scenes with unknown
    ids are dropped only if the rest still satisfies coverage and duration (a hallucinated id is never kept); a
    scene boundary inside a word moves to the nearest word boundary, and a clip window shorter than its scene grows
    within the clip. A scene left empty by such a move, or a clip too short for its scene even slowed, is refused.
    Each scene then gets its match score.
    """
    data = {**data, "style": style}
    script: Script = parse_model(Script, data)
    by_id = {brief.id: brief for brief in briefs}
    unknown = sorted({scene.material_id for scene in script.scenes if scene.material_id not in by_id})
    if unknown:
        kept = [scene for scene in script.scenes if scene.material_id in by_id]
        trimmed = script.model_copy(update={"scenes": kept}) if kept else None
        if trimmed is None or not check_coverage(trimmed, briefs).ok or duration_problem(trimmed, target_seconds):
            raise InvalidOutput(f"material ids {unknown} do not exist. Use only these ids: {sorted(by_id)}.")
        script = trimmed
    script = script.model_copy(
        update={"scenes": [clamp_scene_points(scene, by_id[scene.material_id]) for scene in script.scenes]}
    )
    script, cut_words = whole_words(script)
    script, looped_clips = clips_within_length(script, briefs)
    if cut_words or looped_clips:
        raise InvalidOutput("; ".join([*cut_words, *looped_clips]) + ".")
    report = check_coverage(script, briefs)
    if not report.ok:
        raise InvalidOutput(f"the script breaks the coverage rule: {report.reason()}.")
    problem = duration_problem(script, target_seconds)
    if problem:
        raise InvalidOutput(f"{problem}; adjust the narration and planned_duration values.")
    return scored(script, briefs)
