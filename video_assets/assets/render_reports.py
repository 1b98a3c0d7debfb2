"""What the UI shows for rendered_videos, built one way for a local render and for an imported external merge."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import dagster as dg

from video_assets.assets.tables import markdown_table
from video_assets.stages.rendering import rendered_rows
from video_assets.stages.verification import RenderVerification, verify_render
from video_assets.storage import ObjectStore

CHECKS = {
    "duration_matches_plan": "Each video's duration is within 0.5 s of its planned timeline.",
    "canvas_resolution": "Each video has the request's canvas size.",
    "has_audio_stream": "Each video has an audio stream.",
    "not_mostly_black": "Fewer than half of the sampled frames are black.",
    "every_variant_rendered": "Every script variant became a video (a lost variant leaves partial_success).",
}
WARN_ONLY = {"every_variant_rendered"}


def rendered_videos_metadata(database_url: str, request_id: str, status: str, store: ObjectStore) -> dict[str, Any]:
    rows = rendered_rows(database_url, request_id)
    ready = [row for row in rows if row.status == "ready"]
    return {
        "request_id": request_id,
        "request_status": status,
        "backend": ", ".join(sorted({row.backend for row in rows})) or "-",
        "videos_ready": len(ready),
        "videos_failed": len(rows) - len(ready),
        "total_seconds": round(sum(row.duration or 0 for row in ready), 2),
        "total_bytes": sum(row.size_bytes or 0 for row in ready),
        "first_cover": dg.MetadataValue.url(store.url(ready[0].cover_key)) if ready and ready[0].cover_key else None,
        "videos": dg.MetadataValue.md(
            markdown_table(
                ["variant", "status", "duration", "size", "resolution", "render s", "video / reason"],
                [
                    [
                        row.variant_index,
                        row.status,
                        f"{row.duration or 0:.2f}s",
                        f"{(row.size_bytes or 0) / 1e6:.1f} MB",
                        f"{row.width}x{row.height}",
                        row.render_seconds,
                        store.uri(row.video_key) if row.video_key else row.reason,
                    ]
                    for row in rows
                ],
            )
        ),
    }


def render_check_results(
    database_url: str, request_id: str, canvas: tuple[int, int], store: ObjectStore, workdir: Path
) -> list[tuple[str, bool, dict[str, Any]]]:
    """(check name, passed, metadata) for every check in CHECKS, measured on the stored videos themselves."""
    rows = rendered_rows(database_url, request_id)
    verified: dict[int, RenderVerification] = {}
    for row in rows:
        if row.status == "ready" and row.video_key:
            video = store.download(row.video_key, workdir / f"v{row.variant_index}.mp4")
            verified[row.variant_index] = verify_render(video, row.planned_duration or 0.0)
    verdicts = {
        "duration_matches_plan": {i: v.duration_ok() for i, v in verified.items()},
        "canvas_resolution": {i: v.resolution_ok(canvas) for i, v in verified.items()},
        "has_audio_stream": {i: v.has_audio for i, v in verified.items()},
        "not_mostly_black": {i: not v.mostly_black() for i, v in verified.items()},
    }
    details = {f"v{i}": dataclasses.asdict(v) for i, v in verified.items()}
    results = [
        (
            name,
            bool(by_variant) and all(by_variant.values()),
            {"failing_variants": [i for i, ok in by_variant.items() if not ok], "videos": details},
        )
        for name, by_variant in verdicts.items()
    ]
    lost = {f"v{row.variant_index}": row.reason or row.status for row in rows if row.status != "ready"}
    results.append(("every_variant_rendered", bool(rows) and not lost, {"lost_variants": lost, "variants": len(rows)}))
    return results


def severity(check_name: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.WARN if check_name in WARN_ONLY else dg.AssetCheckSeverity.ERROR
