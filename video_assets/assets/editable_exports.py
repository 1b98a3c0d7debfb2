"""editable_exports: thin glue over stages/exports.py (a Jianying draft and an editor's package per video)."""

from typing import Any

import dagster as dg

from executors.queues import VIDEO_PROCESSING, on_queue
from resources.database import DatabaseResource
from resources.object_store import ObjectStoreResource
from video_assets.assets.common import stage_workdir, traced_stage
from video_assets.assets.lineage import lineage_metadata
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.db.engine import session_scope
from video_assets.db.repository import load_spec
from video_assets.partitions import request_partitions
from video_assets.stages.exports import export_request

STAGE = "editable_exports"


@dg.asset(
    partitions_def=request_partitions,
    deps=[rendered_videos],
    op_tags=on_queue(VIDEO_PROCESSING),
    group_name="video",
    kinds={"python"},
    tags={"stage": STAGE},
    description="Per ready video, the exports the request asks for (`exports`): a Jianying draft zip and an "
    "editor's package zip (timeline.otio, FCP7 XML, SRT/ASS, word timings, media, manifest), both built from the "
    "frame-exact timeline the render saved.",
)
def editable_exports(
    context: dg.AssetExecutionContext, database: DatabaseResource, object_store: ObjectStoreResource
) -> dg.MaterializeResult:
    request_id = context.partition_key
    with traced_stage(context, database, STAGE), stage_workdir(request_id, STAGE) as workdir:
        exports = export_request(database.url, request_id, object_store.store(), workdir)
    context.log.info(f"request_id={request_id} stage={STAGE} exports for {len(exports)} video(s)")
    for variant, keys in exports.items():
        if "error" in keys:
            context.log.warning(f"v{variant}: no editable export: {keys['error']}")
    return dg.MaterializeResult(metadata=exports_metadata(database.url, request_id, exports))


def exports_metadata(database_url: str, request_id: str, exports: dict[int, dict[str, str]]) -> dict[str, Any]:
    """The asset's metadata, the same whether the pipeline or the reconcile job's import made the exports."""
    with session_scope(database_url) as session:
        title = load_spec(session, request_id).title
    failed = sum("error" in keys for keys in exports.values())
    return {
        **lineage_metadata(STAGE, request_id, title),
        "request_id": request_id,
        "variants_exported": len(exports) - failed,
        "variants_failed": failed,
        "exports": dg.MetadataValue.json({f"v{variant}": keys for variant, keys in exports.items()}),
    }
