"""What the UI shows for rendered_videos, built one way for a local render and for an imported external merge."""

from __future__ import annotations

from typing import Any

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,  # not public API; dagster is pinned
)
from sqlalchemy import select

from video_assets.assets.lineage import lineage_metadata
from video_assets.assets.tables import InlineImages, markdown_table, material_link
from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo, VideoScript
from video_assets.db.repository import get_request
from video_assets.safe_markdown import Markup, escape, link
from video_assets.stages.rendering import STAGE, rendered_rows
from video_assets.stages.verification import RenderVerification
from video_assets.storage import ObjectStore
from video_assets.ui_links import PartitionPages, request_pages

CHECKS = {
    "duration_matches_plan": "Each video's duration is within 0.5 s of its planned timeline.",
    "canvas_resolution": "Each video has the request's canvas size.",
    "has_audio_stream": "Each video has an audio stream.",
    "not_mostly_black": "At most half of the sampled frames (one per scene, one every 2 s) are black; a frame is "
    "black when under 10% of its pixels are brighter than luma 4/255, so subtitles and a watermark over black count "
    "as black while a night sky, a deep-space photo or a dark room does not. A rejected video is kept for review.",
    "every_variant_rendered": "Every script variant became a video (a lost variant leaves partial_success).",
}
WARN_ONLY = {"every_variant_rendered"}


def rendered_videos_metadata(database_url: str, request_id: str, status: str, store: ObjectStore) -> dict[str, Any]:
    rows = rendered_rows(database_url, request_id)
    ready = [row for row in rows if row.status == "ready"]
    with session_scope(database_url) as session:
        scripts = {
            script.variant_index: script
            for script in session.scalars(select(VideoScript).where(VideoScript.request_id == request_id))
        }
        title = get_request(session, request_id).title
    covers = InlineImages(store)
    pages = request_pages(request_id)
    return {
        "request_id": request_id,
        **lineage_metadata(STAGE, request_id, title),
        "request_status": status,
        "backend": ", ".join(sorted({row.backend for row in rows})) or "-",
        "videos_ready": len(ready),
        "videos_failed": len(rows) - len(ready),
        "total_seconds": round(sum(row.duration or 0 for row in ready), 2),
        "total_bytes": sum(row.size_bytes or 0 for row in ready),
        "videos": dg.MetadataValue.md(
            markdown_table(
                [
                    "variant",
                    "cover",
                    "status",
                    "title",
                    "platform covers",
                    "materials",
                    "duration",
                    "planned",
                    "resolution",
                    "size",
                    "render s",
                    "stage s",
                    "video",
                    "reason",
                ],
                [
                    [
                        f"v{row.variant_index}",
                        covers.cell(row.cover_key, f"cover v{row.variant_index}"),
                        row.status,
                        _title(scripts.get(row.variant_index)),
                        ", ".join(sorted(row.cover_keys or {})) or "-",
                        _materials(scripts.get(row.variant_index), pages),
                        f"{row.duration or 0:.2f}s",
                        f"{row.planned_duration or 0:.2f}s",
                        f"{row.width}x{row.height}" if row.width else "-",
                        f"{(row.size_bytes or 0) / 1e6:.1f} MB",
                        row.render_seconds,
                        _stage_seconds(row),
                        _video_link(row, store),
                        row.reason or "",
                    ]
                    for row in rows
                ],
            )
        ),
        "objects": dg.MetadataValue.json({f"v{row.variant_index}": _object_uris(row, store) for row in ready}),
        "stage_seconds": dg.MetadataValue.json({f"v{row.variant_index}": row.stage_seconds or {} for row in rows}),
    }


def _stage_seconds(row: RenderedVideo) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in (row.stage_seconds or {}).items()) or "-"


def _title(script: VideoScript | None) -> str:
    return (script.title or "-") if script else "-"


def _materials(script: VideoScript | None, pages: PartitionPages) -> str:
    """The media_items ids the video shows, in scene order, each linking to its source file's row."""
    if script is None:
        return "-"
    ids = dict.fromkeys(int(scene["material_id"]) for scene in script.scenes)
    return Markup(", ".join(material_link(pages, i) for i in ids))


def _video_link(row: RenderedVideo, store: ObjectStore) -> str:
    """The object URI never expires; a store URL that differs from it (presigned S3) is added, but only as an extra."""
    if not row.video_key:
        return "-"
    uri, url = store.uri(row.video_key), store.url(row.video_key)
    return uri if url == uri else Markup(f"{escape(uri)} ({link('presigned link, 1 h', url)})")


def _object_uris(row: RenderedVideo, store: ObjectStore) -> dict[str, str]:
    keys = {"video": row.video_key, "cover": row.cover_key, "subtitles_ass": row.ass_key, "subtitles_srt": row.srt_key}
    keys |= {f"cover_{platform}": key for platform, key in (row.cover_keys or {}).items()}
    return {name: store.uri(key) for name, key in keys.items() if key}


def render_check_results(
    database_url: str, request_id: str, canvas: tuple[int, int]
) -> list[tuple[str, bool, dict[str, Any]]]:
    """(check name, passed, metadata) for every check in CHECKS, read from the measurements each video's render (or
    import) took of the real file before it was stored; a variant failed by those measurements is judged too."""
    rows = rendered_rows(database_url, request_id)
    verified = {row.variant_index: RenderVerification.from_record(row.verification) for row in rows if row.verification}
    unmeasured = [f"v{row.variant_index}" for row in rows if row.status == "ready" and not row.verification]
    by_check: dict[str, dict[int, bool]] = {name: {} for name in CHECKS if name not in WARN_ONLY}
    for index, verification in verified.items():
        for name, ok in verification.verdicts(canvas).items():
            by_check[name][index] = ok
    details = {f"v{i}": v.as_record() for i, v in verified.items()}
    kept = {row.variant_index: row.review_key for row in rows if row.review_key}
    results = [
        (
            name,
            bool(by_variant) and all(by_variant.values()) and not unmeasured,
            {
                "failing_variants": [f"v{i}" for i, ok in by_variant.items() if not ok],
                # The figures this check judged, for each variant it failed, and where that video was kept.
                "failing_figures": {f"v{i}": verified[i].figures(name) for i, ok in by_variant.items() if not ok},
                "kept_for_review": {f"v{i}": kept[i] for i, ok in by_variant.items() if not ok and i in kept},
                "unmeasured_variants": unmeasured,
                "videos": details,
            },
        )
        for name, by_variant in by_check.items()
    ]
    lost = {f"v{row.variant_index}": row.reason or row.status for row in rows if row.status != "ready"}
    results.append(("every_variant_rendered", bool(rows) and not lost, {"lost_variants": lost, "variants": len(rows)}))
    return results


def severity(check_name: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.WARN if check_name in WARN_ONLY else dg.AssetCheckSeverity.ERROR


def render_check_evaluations(
    database_url: str,
    request_id: str,
    canvas: tuple[int, int],
    target: AssetCheckEvaluationTargetMaterializationData | None = None,
) -> list[dg.AssetCheckEvaluation]:
    """The checks' verdicts on the request's partition for a run whose fan-in did not record them (an imported
    external merge, a run whose render step lost a variant). A check with no measured video (every render failed
    before its ffmpeg pass) is left out rather than reported failed on nothing; `every_variant_rendered` always
    counts. `target` names the materialization judged, so every view pairs the verdicts with it."""
    return [
        dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(STAGE),
            check_name=name,
            passed=passed,
            metadata=details,
            severity=severity(name),
            partition=request_id,
            description=CHECKS[name],
            target_materialization_data=target,
        )
        for name, passed, details in render_check_results(database_url, request_id, canvas)
        if name in WARN_ONLY or details.get("videos")
    ]
