"""The `run` span of every pipeline run a run worker executed: recorded here, from the run's record, once it ends.

A run worker launched by the daemon runs its steps and exits; nothing in it sees the whole run, and its steps may
even run on other machines (Celery). Each step's span names the run span as its parent by a span id derived from
the run id (video_assets/tracing/spans.py), so recording the run span afterwards completes the request's tree.
A run the CLI executed in its own process recorded its own span while it ran (sensors/launch.py) and is skipped.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from sensors.launch import HOST_TAG
from sensors.requests import PARTITION_TAG, PIPELINE_JOB, TRACE_TAG
from video_assets.tracing import enabled, flush, record_run_span

ENDED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
RUNS_PER_TICK = 200


def record_ended_runs(instance: dg.DagsterInstance, cursor: str | None) -> tuple[int, str]:
    """Record the run spans of pipeline runs that ended after `cursor` (an update timestamp); (recorded, new cursor).
    The first tick starts from now: runs that ended before tracing was on have no stage spans to join."""
    if cursor is None:
        return 0, str(datetime.now(UTC).timestamp())
    records = instance.get_run_records(
        dg.RunsFilter(job_name=PIPELINE_JOB, statuses=ENDED, updated_after=datetime.fromtimestamp(float(cursor), UTC)),
        limit=RUNS_PER_TICK,
        order_by="update_timestamp",
        ascending=True,
    )
    recorded = 0
    for record in records:
        run = record.dagster_run
        cursor = str(max(float(cursor), record.update_timestamp.replace(tzinfo=UTC).timestamp()))
        if HOST_TAG in run.tags or TRACE_TAG not in run.tags or record.start_time is None:
            continue
        ended = record.end_time or record.update_timestamp.replace(tzinfo=UTC).timestamp()
        request_id = run.tags.get(PARTITION_TAG, "")
        record_run_span(run.tags[TRACE_TAG], run.run_id, request_id, record.start_time, ended, run.status.value)
        recorded += 1
    if recorded:
        flush()
    return recorded, cursor


@dg.sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Records the trace span of each pipeline run that ended (when OTEL_EXPORTER_OTLP_ENDPOINT is set).",
)
def run_span_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    if not enabled():
        return dg.SkipReason("tracing is off: OTEL_EXPORTER_OTLP_ENDPOINT is not set")
    recorded, cursor = record_ended_runs(context.instance, context.cursor)
    context.update_cursor(cursor)
    return dg.SkipReason(f"recorded the spans of {recorded} ended run(s)")
