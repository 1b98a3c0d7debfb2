"""A render that fails its checks is kept for review, so a person can judge the verdict: the video and a small JSON
of the reason and the check figures (with every sampled frame's) under `requests/<id>/review/v<n>/`. Housekeeping
expires them with the other temporary objects."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from video_assets.housekeeping import REVIEW_STAGE
from video_assets.stages.verification import RenderVerification
from video_assets.storage import ObjectStore, request_key


@dataclass(frozen=True)
class ReviewKeys:
    video: str
    reason: str


def review_keys(request_id: str, variant_index: int) -> ReviewKeys:
    def key(name: str) -> str:
        return request_key(request_id, REVIEW_STAGE, f"v{variant_index}", name)

    return ReviewKeys(video=key("video.mp4"), reason=key("reason.json"))


def keep_for_review(
    store: ObjectStore,
    request_id: str,
    variant_index: int,
    video: Path,
    reason: str,
    verification: RenderVerification,
    canvas: tuple[int, int],
) -> ReviewKeys:
    """Upload the rejected video and its reason JSON; the reason goes last, so a reason found has its video."""
    keys = review_keys(request_id, variant_index)
    store.put_file(keys.video, video, "video/mp4")
    verdict = {
        "request_id": request_id,
        "variant": f"v{variant_index}",
        "reason": reason,
        "failed_checks": [name for name, ok in verification.verdicts(canvas).items() if not ok],
        "canvas": list(canvas),
        "verification": verification.as_record(),
        "frames": [dataclasses.asdict(frame) | {"black": frame.black} for frame in verification.frames],
        "video_key": keys.video,
    }
    store.put_bytes(keys.reason, json.dumps(verdict, ensure_ascii=False, indent=2).encode(), "application/json")
    return keys
