"""Render a narrated, subtitled video from scenes in one ffmpeg pass."""

from video_assets.render.errors import RenderError
from video_assets.render.runner import RenderResult, render_video
from video_assets.render.timeline import CoverSpec, RenderJob, SceneClip, ScenePlan, TimelinePlan, plan_timeline

__all__ = [
    "CoverSpec",
    "RenderError",
    "RenderJob",
    "RenderResult",
    "SceneClip",
    "ScenePlan",
    "TimelinePlan",
    "plan_timeline",
    "render_video",
]
