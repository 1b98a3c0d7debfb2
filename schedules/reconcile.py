"""Every minute: poll external merge jobs, import finished videos, and record rendered_videos and editable_exports
for their requests.

The import is recorded as an `AssetMaterialization` (and the render checks as `AssetCheckEvaluation`s) logged by
this job's op for the request's partition. That keeps lineage honest: the materialization links to the reconcile
run that fetched and verified the vendor's video, with its logs, instead of pretending the pipeline run made it.
"""

import tempfile
from pathlib import Path

import dagster as dg

from executors.queues import MAINTENANCE, on_queue
from resources.database import DatabaseResource
from resources.ingest import IngestResource
from resources.merge import MergeResource
from resources.object_store import ObjectStoreResource
from video_assets.assets.editable_exports import STAGE as EXPORTS_STAGE
from video_assets.assets.editable_exports import exports_metadata
from video_assets.assets.render_reports import render_check_evaluations, rendered_videos_metadata
from video_assets.db.repository import load_spec, record_dead_letter
from video_assets.stages.exports import export_request
from video_assets.stages.merging import MergeContext, ReconcileReport, count_open_jobs, reconcile_pass
from video_assets.stages.rendering import STAGE
from video_assets.storage import ObjectStore


def reconcile_once(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    merge: MergeResource,
    ingest: IngestResource,
) -> ReconcileReport:
    store = object_store.store()
    with tempfile.TemporaryDirectory(prefix="va-reconcile-") as folder:
        workdir = Path(folder)
        merging = MergeContext(database.url, store, merge.client(), merge.deadline_seconds, workdir)
        report = reconcile_pass(merging, ingest.policy().fetch, object_store.material_reader())
        for request_id, status in report.finished_requests.items():
            if status == "failed":
                # The pipeline run succeeded long ago: the dead letter is what tells an operator to retry. A request
                # that completes resolves its own letters.
                with database.session() as session:
                    record_dead_letter(session, request_id, context.run.run_id, "merging", "external merge failed")
                context.log.error(f"request_id={request_id} stage=merging status=failed")
            else:
                _record_rendered_videos(context, database, store, request_id, status)
                # The pipeline run that submitted the merge is long over; its downstream stage is made here too.
                exports = export_request(database.url, request_id, store, workdir / "exports" / request_id)
                context.log_event(
                    dg.AssetMaterialization(
                        asset_key=dg.AssetKey(EXPORTS_STAGE),
                        partition=request_id,
                        metadata=exports_metadata(database.url, request_id, exports),
                    )
                )
    return report


def _record_rendered_videos(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    store: ObjectStore,
    request_id: str,
    status: str,
) -> None:
    with database.session() as session:
        canvas = load_spec(session, request_id).canvas_size
    asset = dg.AssetKey(STAGE)
    metadata = rendered_videos_metadata(database.url, request_id, status, store)
    context.log_event(dg.AssetMaterialization(asset_key=asset, partition=request_id, metadata=metadata))
    for evaluation in render_check_evaluations(database.url, request_id, canvas):
        context.log_event(evaluation)
    context.log.info(f"request_id={request_id} stage={STAGE} status={status}: imported from {context.op.name}")


@dg.op(
    tags=on_queue(MAINTENANCE),
    description="Polls pending external merge jobs in batches, imports finished videos, fails overdue jobs.",
)
def reconcile_external_merges(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    merge: MergeResource,
    ingest: IngestResource,
) -> dg.Output[None]:
    if not merge.is_external:
        return dg.Output(None, metadata={"backend": merge.backend, "note": "local renders need no reconciling"})
    report = reconcile_once(context, database, object_store, merge, ingest)
    summary = {
        name: dg.MetadataValue.json(value) if isinstance(value, list | dict) else value
        for name, value in report.summary().items()
    }
    return dg.Output(None, metadata={"backend": merge.backend, **summary})


@dg.job(description="Reconcile external merge jobs.")
def reconcile_job() -> None:
    reconcile_external_merges()


@dg.schedule(
    name="reconcile_external_merges",
    job=reconcile_job,
    cron_schedule="* * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every minute: poll the merge vendor and import finished videos (skips when nothing is open).",
)
def reconcile_external_merges_schedule(
    context: dg.ScheduleEvaluationContext, database: DatabaseResource, merge: MergeResource
) -> dg.RunRequest | dg.SkipReason:
    if not merge.is_external:
        return dg.SkipReason(f"merge backend is {merge.backend!r}: nothing to reconcile")
    open_jobs = count_open_jobs(database.url)
    if not open_jobs:
        return dg.SkipReason("no open external merge jobs")
    return dg.RunRequest(tags={"open_merge_jobs": str(open_jobs)})
