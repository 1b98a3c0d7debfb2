"""A failed run leaves a dead letter and a failed request with a readable reason; nothing is guessed."""

import dagster as dg

from resources.database import DatabaseResource
from sensors.requests import PARTITION_TAG
from video_assets.db.repository import RequestNotFound, get_request, record_dead_letter


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a dead letter and fails the request when a pipeline run fails for good.",
)
def dead_letter_sensor(context: dg.RunFailureSensorContext, database: DatabaseResource) -> None:
    request_id = context.dagster_run.tags.get(PARTITION_TAG)
    if not request_id:
        return
    error = context.failure_event.message or "run failed"
    with database.session() as session:
        try:
            stage = get_request(session, request_id).stage or "unknown"
        except RequestNotFound:
            context.log.warning(f"run {context.dagster_run.run_id} failed for unknown request {request_id}")
            return
        record_dead_letter(session, request_id, context.dagster_run.run_id, stage, error)
