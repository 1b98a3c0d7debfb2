"""Polls `video_requests` for pending rows, registers them as partitions and launches one run each."""

import dagster as dg

from resources.database import DatabaseResource
from sensors.cursor import dump_cursor, parse_cursor
from video_assets.db.models import VideoRequest
from video_assets.db.repository import SensorCursor, claimable_requests, mark_queued
from video_assets.labels import tag_value
from video_assets.partitions import request_partitions
from video_assets.service.requests import STAGE_ORDER as STAGE_ORDER  # one definition; sensors import it here
from video_assets.service.requests import RequestResume, resume_stages
from video_assets.settings import load_settings
from video_assets.tracing import claim_trace

PIPELINE_JOB = "video_pipeline"
PARTITION_TAG = "dagster/partition"
REQUEST_TAG = "request_id"
REQUEST_TITLE_TAG = "request_title"  # the title next to the id in the runs list, run page and run filters
MAX_RUNTIME_TAG = dg.MAX_RUNTIME_SECONDS_TAG  # honoured by the daemon's run monitoring (enabled in dagster.yaml)
TRACE_TAG = "video_assets/traceparent"  # the request's trace context: each stage's span joins the request's trace
RUN_TIME_LIMIT_SECONDS = 4 * 3600  # four stages, each step bounded at 3600 s
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def request_run_tags(request: VideoRequest) -> dict[str, str]:
    """The tags every run of a request carries, however it was launched: the request sensor and the CLI set them at
    launch; the first step of any other run (a UI backfill or launch of `__ASSET_JOB`, a re-execution) adds the
    missing ones (video_assets/assets/request_runs.py). The one place that builds them."""
    return {
        REQUEST_TAG: request.id,
        REQUEST_TITLE_TAG: tag_value(request.title),
        MAX_RUNTIME_TAG: str(RUN_TIME_LIMIT_SECONDS),
    } | ({TRACE_TAG: request.trace_context} if request.trace_context else {})


def claim_requests(context: dg.SensorEvaluationContext, database: DatabaseResource, limit: int) -> dg.SensorResult:
    """Claim up to `limit` rows. Rows are marked queued before the tick returns; if the tick then fails, the
    cursor stays put and the next tick replays this claimer's queued rows (run_key dedupes the launch)."""
    claimer = context.sensor_name
    cursor = parse_cursor(context.cursor)
    tags: dict[str, dict[str, str]] = {}
    resumed: dict[str, RequestResume] = {}
    high_water = cursor
    with database.session() as session:
        for row in claimable_requests(session, cursor, claimer, limit):
            # A retried request (service.retry_request) carries a fresh run_key: run_key dedupes forever.
            run_key = row.run_key or row.id
            if row.status == "queued" or mark_queued(session, row.id, run_key=run_key, claimer=claimer):
                # The request's trace moves on to this claim: the run, whoever executes it, is the claim's child.
                row.trace_context = claim_trace(row.trace_context, row.id)
                tags[row.id] = request_run_tags(row)
                resumed[row.id] = RequestResume(run_key, resume_stages(row.stage) if run_key != row.id else None)
            high_water = max(high_water, SensorCursor(row.created_at, row.id), key=_order)
    keys = list(tags)
    if not keys:
        return dg.SensorResult(skip_reason=dg.SkipReason("no pending requests"), cursor=context.cursor)
    running = partitions_with_runs_in_flight(context.instance, keys)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                partition_key=key,
                run_key=resumed[key].run_key,
                tags=tags[key],
                asset_selection=[dg.AssetKey(stage) for stage in resumed[key].stages] if resumed[key].stages else None,
            )
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
    # Dagster's daemon looks at sensors every 5 s whatever this says; `video-assets daemon` looks every second
    # (sensors/daemon_loop.py). An idle tick (nothing pending) is one indexed query; see bench/sensor_bench.py for its
    # cost at 10,000 pending rows.
    minimum_interval_seconds=1,
    description="Launches one pipeline run per pending video request.",
)
def request_sensor(context: dg.SensorEvaluationContext, database: DatabaseResource) -> dg.SensorResult:
    return claim_requests(context, database, load_settings().sensor_batch_size)
