"""The coverage rule: every video material used, >= 80% of all usable materials used, no unknown ids."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel

from video_assets.scripting.models import MaterialBrief, Script

MIN_SHARE_USED = 0.8


class CoverageReport(BaseModel):
    used_ids: list[int]
    unused_ids: list[int]
    video_ids_missing: list[int]
    share_used: float
    unknown_ids: list[int]
    ok: bool

    def reason(self) -> str:
        """A readable explanation of why the rule failed ('' when it holds)."""
        problems: list[str] = []
        if self.unknown_ids:
            problems.append(f"unknown material ids {self.unknown_ids}")
        if self.video_ids_missing:
            problems.append(f"video materials not used: {self.video_ids_missing}")
        if self.share_used < MIN_SHARE_USED:
            problems.append(
                f"only {self.share_used:.0%} of materials used (need >= {MIN_SHARE_USED:.0%});"
                f" unused: {self.unused_ids}"
            )
        return "; ".join(problems)


def min_materials_to_use(briefs: Sequence[MaterialBrief]) -> int:
    """How many distinct materials a script must show to satisfy the rule."""
    videos = sum(1 for brief in briefs if brief.kind == "video")
    return max(videos, math.ceil(MIN_SHARE_USED * len(briefs) - 1e-9))


def check_coverage(script: Script, briefs: Sequence[MaterialBrief]) -> CoverageReport:
    known = {brief.id for brief in briefs}
    used = list(dict.fromkeys(scene.material_id for scene in script.scenes))
    used_known = [material_id for material_id in used if material_id in known]
    unknown = [material_id for material_id in used if material_id not in known]
    videos_missing = [brief.id for brief in briefs if brief.kind == "video" and brief.id not in used_known]
    share = len(used_known) / len(known) if known else 1.0
    return CoverageReport(
        used_ids=sorted(used_known),
        unused_ids=sorted(known - set(used_known)),
        video_ids_missing=videos_missing,
        share_used=round(share, 4),
        unknown_ids=unknown,
        ok=not unknown and not videos_missing and share >= MIN_SHARE_USED,
    )
