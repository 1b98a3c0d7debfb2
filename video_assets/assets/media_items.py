"""media_items: every declared material fetched safely, probed, normalised and stored, or rejected with a reason."""

import dagster as dg

from executors.queues import VIDEO_PROCESSING, on_queue
from resources.database import DatabaseResource
from resources.ingest import IngestResource
from resources.object_store import ObjectStoreResource
from video_assets.assets.common import (
    NETWORK_RETRY,
    TransientStageError,
    begin_stage,
    fail_stage,
    is_final_attempt,
    records_every_exit,
    stage_workdir,
)
from video_assets.assets.lineage import lineage_metadata
from video_assets.assets.tables import InlineImages, markdown_table, material_ref
from video_assets.db.models import MediaItem
from video_assets.db.repository import load_spec
from video_assets.partitions import request_partitions
from video_assets.stages.article import stored_article
from video_assets.stages.context import StageContext
from video_assets.stages.ingestion import declared_sources, ingest_request, material_rows
from video_assets.stages.material_needs import unmet_material_need

STAGE = "media_items"


@dg.asset(
    partitions_def=request_partitions,
    pool="fetch",
    op_tags=on_queue(VIDEO_PROCESSING),
    retry_policy=NETWORK_RETRY,
    group_name="video",
    kinds={"python", "ffmpeg"},
    tags={"stage": STAGE},
    description="Every material of the request (request list and Markdown), fetched with SSRF and size guards, "
    "probed, normalised and stored, or rejected with its reason (a copy of another material's bytes is recorded as "
    "its duplicate and stored once). The `items` table names each material by its "
    "database id (#id, used by every later stage) next to its thumbnail, position, origin and source.",
)
@records_every_exit(STAGE)
def media_items(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    ingest: IngestResource,
) -> dg.MaterializeResult:
    request_id = begin_stage(context, database, STAGE)
    with database.session() as session:
        spec = load_spec(session, request_id)
    store = object_store.store()
    with stage_workdir(request_id, STAGE) as workdir:
        summary = ingest_request(
            StageContext(request_id, spec, database.url, store, workdir),
            ingest.policy(),
            ingest.workers,
            object_store.material_reader(),
            final_attempt=is_final_attempt(context),
        )
    if summary.transient:
        reasons = "; ".join(f"{o.source.uri}: {o.reason}" for o in summary.transient)
        raise TransientStageError(f"{len(summary.transient)} material(s) hit a transient error: {reasons}")
    problem = unmet_material_need(summary.items, spec.target_duration)
    if problem:
        raise fail_stage(database, request_id, STAGE, problem)
    return dg.MaterializeResult(
        metadata={
            "request_id": request_id,
            **lineage_metadata(STAGE, request_id, spec.title),
            "materials": len(summary.items),
            "ready": len(summary.ready),
            "rejected": len(summary.with_status("rejected")),
            "duplicates": len(summary.with_status("duplicate")),
            "reused_from_previous_attempt": summary.reused,
            "counts": dg.MetadataValue.json(summary.counts()),
            "total_video_seconds": summary.total_duration(),
            "items": dg.MetadataValue.md(_items_table(summary.items, InlineImages(store))),
            "first_media_uri": store.uri(summary.ready[0].object_key or ""),
        }
    )


def _items_table(items: list[MediaItem], previews: InlineImages) -> str:
    return markdown_table(
        ["material", "thumbnail", "position", "origin", "kind", "resolution", "duration", "status", "source", "reason"],
        [
            [
                material_ref(item.id),
                previews.cell(item.thumbnail_key if item.status == "ready" else None, material_ref(item.id)),
                item.position,
                item.origin,
                item.kind or "-",
                f"{item.width}x{item.height}" if item.width else "-",
                f"{item.duration:.2f}s" if item.duration else "-",
                item.status,
                item.source,
                item.reason or "",
            ]
            for item in items
        ],
    )


@dg.asset_check(
    asset=media_items,
    partitions_def=request_partitions,
    op_tags=on_queue(VIDEO_PROCESSING),
    description="Every declared material has a row: ready, or rejected or a duplicate with a reason.",
)
def every_material_has_a_row(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource, object_store: ObjectStoreResource
) -> dg.AssetCheckResult:
    request_id = context.partition_key
    with database.session() as session:
        spec = load_spec(session, request_id)
        rows = {row.source: row for row in material_rows(session, request_id)}
    gathered = declared_sources(spec, stored_article(object_store.store(), request_id, spec.markdown))
    declared = [s.uri for s in gathered.accepted] + [r.uri for r in gathered.rejected]
    missing = [uri for uri in declared if uri not in rows]
    unexplained = [
        uri
        for uri, row in rows.items()
        if row.status not in ("ready", "rejected", "duplicate") or (row.status != "ready" and not row.reason)
    ]
    return dg.AssetCheckResult(
        passed=not missing and not unexplained,
        metadata={"declared": len(declared), "missing": missing, "without_final_status": unexplained},
    )
