"""A failed run leaves a dead letter and a failed request with a readable reason; nothing is guessed."""

import dagster as dg

from resources.database import DatabaseResource
from sensors.requests import PARTITION_TAG
from video_assets.db.repository import RequestNotFound, get_request, record_dead_letter


def record_failed_run(database: DatabaseResource, run: dg.DagsterRun, message: str | None) -> bool:
    """The dead-letter sensor's work, shared with the CLI's in-process runs; False when the run has no request."""
    request_id = run.tags.get(PARTITION_TAG)
    if not request_id:
        return False
    with database.session() as session:
        try:
            request = get_request(session, request_id)
        except RequestNotFound:
            return False
        if request.status == "cancelled":
            return True  # an operator stopped it on purpose: nothing to replay
        record_dead_letter(session, request_id, run.run_id, request.stage or "unknown", message or "run failed")
    return True


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a dead letter and fails the request when a pipeline run fails for good.",
)
def dead_letter_sensor(context: dg.RunFailureSensorContext, database: DatabaseResource) -> None:
    run = context.dagster_run
    if run.tags.get("dagster/will_retry") == "true":
        return  # the daemon's run retries resume it from failure; only the last failure is a dead letter
    if not record_failed_run(database, run, context.failure_event.message) and run.tags.get(PARTITION_TAG):
        context.log.warning(f"run {run.run_id} failed for unknown request {run.tags[PARTITION_TAG]}")
