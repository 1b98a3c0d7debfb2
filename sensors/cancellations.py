"""A pipeline run cancelled from the UI (or with its backfill) leaves its request `cancelled`, with the reason,
instead of `processing` forever: the run's steps stop, and nothing else would ever finish the request."""

import dagster as dg

from resources.database import DatabaseResource
from sensors.requests import PARTITION_TAG, partitions_with_runs_in_flight
from video_assets.db.repository import RequestNotFound, cancel


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.CANCELED,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks a request cancelled when a run of its partition is cancelled.",
)
def cancelled_run_sensor(context: dg.RunStatusSensorContext, database: DatabaseResource) -> None:
    run = context.dagster_run
    request_id = run.tags.get(PARTITION_TAG)
    if not request_id:
        return  # runs of a request carry its partition whatever their job: video_pipeline, or `__ASSET_JOB` from the UI
    if partitions_with_runs_in_flight(context.instance, [request_id]):
        return  # another run (a retry, a UI launch) is still working on the request
    reason = f"run {run.run_id} was cancelled: {context.dagster_event.message or 'no reason given'}"
    with database.session() as session:
        try:
            cancelled = cancel(session, request_id, reason)
        except RequestNotFound:
            context.log.warning(f"cancelled run {run.run_id} is for unknown request {request_id}")
            return
    if cancelled:
        context.log.info(f"request {request_id} cancelled: {reason}")
