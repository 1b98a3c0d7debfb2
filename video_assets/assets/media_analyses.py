"""media_analyses: computer-vision features plus an LLM description for every ready material."""

from typing import Any

import dagster as dg
from sqlalchemy import select

from executors.queues import VIDEO_PROCESSING, on_queue
from resources.database import DatabaseResource
from resources.llm import LlmResource
from resources.object_store import ObjectStoreResource
from video_assets.assets.common import (
    NETWORK_RETRY,
    begin_stage,
    fail_stage,
    records_every_exit,
    retry_or_fail,
    stage_workdir,
)
from video_assets.assets.lineage import lineage_metadata
from video_assets.assets.media_items import media_items
from video_assets.assets.tables import InlineImages, clip, markdown_table, material_link, material_ref
from video_assets.db.models import MediaAnalysis, MediaItem
from video_assets.db.repository import load_spec
from video_assets.partitions import request_partitions
from video_assets.scripting import MaterialAnalysis
from video_assets.stages.analysis import AnalysisSummary, analyse_request
from video_assets.stages.context import StageContext
from video_assets.ui_links import PartitionPages, request_pages
from video_assets.vision import CvFeatures

STAGE = "media_analyses"


@dg.asset(
    partitions_def=request_partitions,
    deps=[media_items],
    pool="llm",
    op_tags=on_queue(VIDEO_PROCESSING),
    retry_policy=NETWORK_RETRY,
    group_name="video",
    kinds={"python", "opencv"},
    tags={"stage": STAGE},
    description="Per ready material (#id from media_items): OpenCV features (sharpness, brightness, motion, dominant "
    "colours, scene cuts) and a vision-LLM description (theme, description, narrative role, keywords, quality), "
    "with the prompt version and backend that produced it, or the reason it failed.",
)
@records_every_exit(STAGE)
def media_analyses(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    llm: LlmResource,
) -> dg.MaterializeResult:
    request_id = begin_stage(context, database, STAGE)
    with database.session() as session:
        spec = load_spec(session, request_id)
    store = object_store.store()
    with stage_workdir(request_id, STAGE) as workdir:
        stage = StageContext(request_id, spec, database.url, store, workdir)
        summary = analyse_request(stage, llm.client(), llm.backend, llm.workers)
    reasons = "; ".join(f"item {r.item_id}: {r.reason}" for r in summary.failed)
    failed = f"{len(summary.failed)} of {len(summary.results)} analyses failed"
    if summary.transient:
        # The failed rows are written and the ready ones are kept, so the retry only asks again for the failed items.
        raise retry_or_fail(
            context, database, request_id, STAGE, f"{failed}, {len(summary.transient)} transiently: {reasons}"
        )
    if summary.failed_share > llm.max_failed_share:
        raise fail_stage(database, request_id, STAGE, f"{failed}: {reasons}")
    with database.session() as session:
        query = select(MediaAnalysis).where(MediaAnalysis.request_id == request_id)
        rows = {row.media_item_id: row for row in session.scalars(query)}
        items = session.scalars(select(MediaItem).where(MediaItem.request_id == request_id))
        thumbnails = {item.id: item.thumbnail_key for item in items}
    return dg.MaterializeResult(
        metadata={
            "request_id": request_id,
            **lineage_metadata(STAGE, request_id, spec.title),
            "items": len(summary.results),
            "failed": len(summary.failed),
            "backend": llm.backend,
            "workers": llm.workers,
            "wall_seconds": summary.wall_seconds,
            "sum_of_item_seconds": summary.item_seconds,
            "parallel_speedup": round(summary.item_seconds / summary.wall_seconds, 2) if summary.wall_seconds else 0.0,
            "prompt_versions": dg.MetadataValue.json(
                sorted({row.prompt_version for row in rows.values() if row.prompt_version})
            ),
            "results": dg.MetadataValue.md(
                _results_table(summary, rows, thumbnails, InlineImages(store), request_pages(request_id))
            ),
        }
    )


def _results_table(
    summary: AnalysisSummary,
    rows: dict[int, MediaAnalysis],
    thumbnails: dict[int, str | None],
    previews: InlineImages,
    pages: PartitionPages,
) -> str:
    """One row per material: its #id links to its media_items row (the source), next to the same inline thumbnail."""
    table: list[list[object]] = []
    for result in summary.results:
        row = rows.get(result.item_id)
        described = MaterialAnalysis.model_validate(row.description) if row and row.description else None
        features = CvFeatures.model_validate(row.cv_features) if row and row.cv_features else None
        table.append(
            [
                material_link(pages, result.item_id),
                previews.cell(thumbnails.get(result.item_id), material_ref(result.item_id)),
                result.status + (" (kept)" if result.reused else ""),
                *_description_cells(described),
                _features_cell(features),
                (row.prompt_version or "-") if row else "-",
                row.backend if row else "-",
                result.seconds,
                result.reason or "",
            ]
        )
    return markdown_table(
        [
            "material",
            "thumbnail",
            "status",
            "theme",
            "description",
            "role",
            "keywords",
            "quality",
            "cv features",
            "prompt",
            "backend",
            "seconds",
            "reason",
        ],
        table,
    )


def _description_cells(described: MaterialAnalysis | None) -> list[Any]:
    if described is None:
        return ["-"] * 5
    text = described.description + (f" (OCR: {described.ocr_text})" if described.ocr_text else "")
    return [
        clip(described.theme),
        clip(text),
        described.narrative_role,
        clip(", ".join(described.keywords)),
        f"{described.quality_score:.2f}",
    ]


def _features_cell(features: CvFeatures | None) -> str:
    """One compact cell: enough to see why a material looks dark, blurred or static, without the raw JSON."""
    if features is None:
        return "-"
    parts = [
        f"sharpness {features.sharpness:.0f}",
        f"brightness {features.brightness:.2f}",
        f"motion {features.motion:.3f}",
        "colours " + (" ".join(features.dominant_colors) or "-"),
    ]
    if features.kind == "video":
        parts.append("cuts " + (", ".join(f"{cut:.1f}s" for cut in features.scene_cuts) or "none"))
    return "; ".join(parts)
