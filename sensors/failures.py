"""A failed run leaves a dead letter and a failed request with a readable reason; nothing is guessed."""

import dagster as dg

from resources.database import DatabaseResource
from resources.object_store import ObjectStoreResource
from sensors.render_aggregate import record_render_aggregate
from sensors.requests import PARTITION_TAG, STAGE_ORDER
from video_assets.db.repository import RequestNotFound, get_request, record_dead_letter
from video_assets.stages.render_outcomes import settle_from_outcomes
from video_assets.storage import ObjectStore


def record_failed_run(
    database: DatabaseResource,
    store: ObjectStore,
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    message: str | None,
) -> bool:
    """The dead-letter sensor's work, shared with the CLI's in-process runs; False when the run has no request.
    A run that failed while rendering (a lost variant fails its own step, so the fan-in never ran) first settles the
    request from the variants' stored outcomes, partial_success when some video was made, failed otherwise, and
    records in the run what the fan-in would have: the materialization of a partial success and the checks."""
    request_id = run.tags.get(PARTITION_TAG)
    if not request_id:
        return False
    with database.session() as session:
        try:
            stage = get_request(session, request_id).stage
        except RequestNotFound:
            return False
    settled = settle_from_outcomes(database.url, request_id)
    if settled == "merging":
        return True  # the reconcile schedule ends the request once the vendor's videos are in
    if settled:
        record_render_aggregate(instance, run, database.url, store, request_id, settled)
    with database.session() as session:
        request = get_request(session, request_id)
        if request.status in ("cancelled", "completed"):
            return True  # stopped on purpose, or a run that failed before touching a finished request
        record_dead_letter(session, request_id, run.run_id, stage or "unknown", message or "run failed")
        failed, reason = request.status == "failed", request.error or message or "run failed"
    if failed:
        report_unmaterialized(instance, run.run_id, request_id, stage, reason)
    return True


def report_unmaterialized(
    instance: dg.DagsterInstance, run_id: str, request_id: str, stage: str | None, reason: str
) -> None:
    """A failed request's reason on the partition of the stage it stopped at and of every stage after it, which
    this run did not materialize: an observation, so each asset's page for the partition says why, not only "did
    not materialize". Runless, because the step that failed may have died without a chance to log anything."""
    first = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 0
    for asset in STAGE_ORDER[first:]:
        instance.report_runless_asset_event(
            dg.AssetObservation(
                asset_key=asset,
                partition=request_id,
                description=f"request {request_id} failed at {stage}: {reason}",
                metadata={
                    "request_status": "failed",
                    "failed_stage": stage or "unknown",
                    "reason": dg.MetadataValue.text(reason),
                    "run": dg.MetadataValue.dagster_run(run_id),
                },
            )
        )


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a dead letter and fails the request when a pipeline run fails for good.",
)
def dead_letter_sensor(
    context: dg.RunFailureSensorContext, database: DatabaseResource, object_store: ObjectStoreResource
) -> None:
    run = context.dagster_run
    if run.tags.get("dagster/will_retry") == "true":
        return  # the daemon's run retries resume it from failure; only the last failure is a dead letter
    recorded = record_failed_run(database, object_store.store(), context.instance, run, context.failure_event.message)
    if not recorded and run.tags.get(PARTITION_TAG):
        context.log.warning(f"run {run.run_id} failed for unknown request {run.tags[PARTITION_TAG]}")
