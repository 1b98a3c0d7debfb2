"""Can the materials left after ingestion make the requested video? If not, the request fails at media_items,
before any analysis, script or render is paid for, with every unusable material named."""

from __future__ import annotations

from collections.abc import Sequence

from video_assets.db.models import MediaItem
from video_assets.render.timeline import MIN_SCENE_SECONDS
from video_assets.scripting import duration_bounds, min_materials_to_use
from video_assets.stages.materials import brief_for


def unmet_material_need(items: Sequence[MediaItem], target_seconds: float) -> str:
    """'' when the ready materials can fill a video of `target_seconds`, else a readable reason.

    A script shows at least one material, and the coverage rule's share of them (every video among them). Whoever
    writes the script, no scene lasts less than the render's shortest, so that floor is checked here with the kinds
    now known; submit checked the declared count, and the offline planner's own, narration-bound limit is checked at
    submit and when it plans."""
    unusable = "; ".join(f"{item.source}: {item.reason}" for item in items if item.status != "ready")
    ready = [item for item in items if item.status == "ready"]
    if not ready:
        return f"no usable material: {unusable}"
    needed = min_materials_to_use([brief_for(item, None) for item in ready])
    longest = duration_bounds(target_seconds)[1]
    if needed * MIN_SCENE_SECONDS <= longest:
        return ""
    reason = (
        f"a {target_seconds:g}s video (at most {longest:g}s) cannot show the {needed} materials the coverage rule "
        f"requires of the {len(ready)} usable ones for {MIN_SCENE_SECONDS:g}s each; raise the target duration or send "
        "fewer materials"
    )
    return f"{reason} (not usable: {unusable})" if unusable else reason
