"""media_analyses: computer-vision features plus an LLM description for every ready material."""

import dagster as dg

from resources.database import DatabaseResource
from resources.llm import LlmResource
from resources.object_store import ObjectStoreResource
from video_assets.assets.common import NETWORK_RETRY, begin_stage, fail_stage, retry_or_fail, stage_workdir
from video_assets.assets.media_items import media_items
from video_assets.assets.tables import markdown_table
from video_assets.db.repository import load_spec
from video_assets.partitions import request_partitions
from video_assets.stages.analysis import analyse_request

STAGE = "media_analyses"


@dg.asset(
    partitions_def=request_partitions,
    deps=[media_items],
    pool="llm",
    retry_policy=NETWORK_RETRY,
    group_name="video",
    kinds={"python", "opencv"},
    tags={"stage": STAGE},
)
def media_analyses(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    llm: LlmResource,
) -> dg.MaterializeResult:
    request_id = begin_stage(context, database, STAGE)
    with database.session() as session:
        spec = load_spec(session, request_id)
    with stage_workdir(request_id, STAGE) as workdir:
        summary = analyse_request(
            request_id, spec, database.url, object_store.store(), llm.client(), llm.backend, workdir, llm.workers
        )
    reasons = "; ".join(f"item {r.item_id}: {r.reason}" for r in summary.failed)
    failed = f"{len(summary.failed)} of {len(summary.results)} analyses failed"
    if summary.transient:
        # The failed rows are written and the ready ones are kept, so the retry only asks again for the failed items.
        raise retry_or_fail(
            context, database, request_id, STAGE, f"{failed}, {len(summary.transient)} transiently: {reasons}"
        )
    if summary.failed_share > llm.max_failed_share:
        raise fail_stage(database, request_id, STAGE, f"{failed}: {reasons}")
    return dg.MaterializeResult(
        metadata={
            "request_id": request_id,
            "items": len(summary.results),
            "failed": len(summary.failed),
            "backend": llm.backend,
            "workers": llm.workers,
            "wall_seconds": summary.wall_seconds,
            "sum_of_item_seconds": summary.item_seconds,
            "parallel_speedup": round(summary.item_seconds / summary.wall_seconds, 2) if summary.wall_seconds else 0.0,
            "results": dg.MetadataValue.md(
                markdown_table(
                    ["item", "status", "seconds", "reason"],
                    [
                        [r.item_id, r.status + (" (kept)" if r.reused else ""), r.seconds, r.reason or ""]
                        for r in summary.results
                    ],
                )
            ),
        }
    )
