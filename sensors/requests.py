"""Polls `video_requests` for pending rows, registers them as partitions and launches one run each."""

import dagster as dg

from resources.database import DatabaseResource
from sensors.cursor import dump_cursor, parse_cursor
from video_assets.db.repository import SensorCursor, claimable_requests, mark_queued
from video_assets.partitions import request_partitions
from video_assets.settings import load_settings

PIPELINE_JOB = "video_pipeline"
PARTITION_TAG = "dagster/partition"
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def claim_requests(context: dg.SensorEvaluationContext, database: DatabaseResource, limit: int) -> dg.SensorResult:
    """Claim up to `limit` rows. Rows are marked queued before the tick returns; if the tick then fails, the
    cursor stays put and the next tick replays this claimer's queued rows (run_key dedupes the launch)."""
    claimer = context.sensor_name
    cursor = parse_cursor(context.cursor)
    keys: list[str] = []
    high_water = cursor
    with database.session() as session:
        for row in claimable_requests(session, cursor, claimer, limit):
            if row.status == "queued" or mark_queued(session, row.id, run_key=row.id, claimer=claimer):
                keys.append(row.id)
            high_water = max(high_water, SensorCursor(row.created_at, row.id), key=_order)
    if not keys:
        return dg.SensorResult(skip_reason=dg.SkipReason("no pending requests"), cursor=context.cursor)
    running = partitions_with_runs_in_flight(context.instance, keys)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=key, run_key=key, tags={"request_id": key})
            for key in keys
            if key not in running
        ],
        dynamic_partitions_requests=[request_partitions.build_add_request(keys)],
        cursor=dump_cursor(high_water),
    )


def partitions_with_runs_in_flight(instance: dg.DagsterInstance, keys: list[str]) -> set[str]:
    """A run launched from the UI or a backfill before its request left `pending` must not get a twin."""
    records = instance.get_run_records(dg.RunsFilter(tags={PARTITION_TAG: keys}, statuses=IN_FLIGHT))
    return {record.dagster_run.tags[PARTITION_TAG] for record in records}


def _order(cursor: SensorCursor) -> tuple[str, str]:
    return (cursor.created_at.isoformat() if cursor.created_at else "", cursor.request_id)


@dg.sensor(
    job_name=PIPELINE_JOB,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="Launches one pipeline run per pending video request.",
)
def request_sensor(context: dg.SensorEvaluationContext, database: DatabaseResource) -> dg.SensorResult:
    return claim_requests(context, database, load_settings().sensor_batch_size)
