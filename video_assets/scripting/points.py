"""In/out points: which part of a material a scene shows, fitted to the scene's planned duration."""

from __future__ import annotations

from video_assets.scripting.fitting import NATURAL_SLOWDOWN
from video_assets.scripting.models import MaterialBrief, Scene


def fit_points(brief: MaterialBrief, planned_duration: float, occurrence: int = 0) -> tuple[float, float]:
    """Images: 0..planned. Videos: a window inside one shot (best shot first, then the next ones on reuse).

    A window may be shorter than planned only as far as the renderer can slow it naturally (fitting.py); a shot
    shorter than that gives way to the whole clip. The planner never plans a scene longer than that for a clip.
    """
    if brief.kind == "image" or not brief.duration:
        return 0.0, round(planned_duration, 3)
    duration = brief.duration
    shots = _ranked_shots(brief, duration)
    start, end = shots[occurrence % len(shots)]
    if (end - start) * NATURAL_SLOWDOWN < planned_duration:
        start, end = 0.0, duration  # the shot would have to loop or flash by; use the whole clip instead
    length = min(planned_duration, end - start)
    centre = _best_time(brief, start, end)
    in_point = min(max(start, centre - length / 2), end - length)
    return round(in_point, 3), round(in_point + length, 3)


def clamp_scene_points(scene: Scene, brief: MaterialBrief) -> Scene:
    """Repair model-written points so they lie inside the material (images always start at 0)."""
    if brief.kind == "image" or not brief.duration:
        return scene.model_copy(update={"in_point": 0.0, "out_point": scene.planned_duration})
    duration = brief.duration
    in_point = min(max(0.0, scene.in_point), max(0.0, duration - 0.1))
    out_point = min(max(scene.out_point, in_point + 0.1), duration)
    return scene.model_copy(update={"in_point": round(in_point, 3), "out_point": round(out_point, 3)})


def _ranked_shots(brief: MaterialBrief, duration: float) -> list[tuple[float, float]]:
    shots = brief.cv.segments() if brief.cv else []
    if not shots:
        return [(0.0, duration)]
    best = brief.cv.best_frame_time if brief.cv else None
    return sorted(shots, key=lambda shot: (not (best is not None and shot[0] <= best < shot[1]), -(shot[1] - shot[0])))


def _best_time(brief: MaterialBrief, start: float, end: float) -> float:
    best = brief.cv.best_frame_time if brief.cv else None
    return best if best is not None and start <= best <= end else (start + end) / 2
