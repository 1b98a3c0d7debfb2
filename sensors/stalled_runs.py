"""Pipeline runs whose worker died. The DefaultRunLauncher cannot check a run worker's health, and the gRPC server
that notices its own child exiting is gone when the whole code server or host is, so such a run would stay STARTED
until `dagster/max_runtime` (4 h) with its request `processing`.

A run is presumed dead once nothing has shown it alive for `VIDEO_ASSETS_STALLED_AFTER_SECONDS`: no heartbeat on
its request (video_assets/heartbeat.py, touched by the step process), no event in its log, and no step of it waiting
for a pool slot, since a step queued for a pool runs no code and has nothing to beat with. Nor a step handed to
Celery and not finished: the broker holds it, queued for a busy worker or due back after its worker died
(executors/celery.py), and the run worker waiting for it runs no step code either. The sensor reports it
failed through the instance; a failure that is not a step failure is what run retries retry, from failure, and once
they are exhausted the dead-letter sensor records the request's dead letter.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
from dagster_celery.core_execution_loop import DELEGATE_MARKER as CELERY_DISPATCH_MARKER

from resources.database import DatabaseResource
from sensors.launch import HOST_TAG, PID_TAG
from sensors.liveness import died_with_process
from sensors.requests import PARTITION_TAG
from video_assets.heartbeat import heartbeat_settings, last_heartbeats

INTERVAL_SECONDS = 30


@dataclass(frozen=True)
class PoolQueue:
    """Runs with a step still queued for a pool slot, and when each run was last assigned a slot it has not claimed."""

    waiting: frozenset[str]
    assigned_at: dict[str, float]


def pool_queue(instance: dg.DagsterInstance) -> PoolQueue:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return PoolQueue(frozenset(), {})
    waiting: set[str] = set()
    assigned_at: dict[str, float] = {}
    for info in storage.get_concurrency_infos(sorted(storage.get_concurrency_keys())).values():
        claimed = {(slot.run_id, slot.step_key) for slot in info.claimed_slots}
        for step in info.pending_steps:
            if step.assigned_timestamp is None:
                waiting.add(step.run_id)
            elif (step.run_id, step.step_key) not in claimed:
                # Assigned a slot, not yet claimed by the run worker's next poll (up to 15 s later): the step neither
                # waits nor runs, so the assignment itself is its latest sign of life.
                assigned = step.assigned_timestamp.timestamp()
                assigned_at[step.run_id] = max(assigned, assigned_at.get(step.run_id, assigned))
    return PoolQueue(frozenset(waiting), assigned_at)


def steps_with_celery(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    """Steps of the run submitted to a Celery queue more often than they have finished."""
    kinds = {dg.DagsterEventType.ENGINE_EVENT, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    pending: Counter[str] = Counter()
    for record in instance.get_records_for_run(run_id, of_type=kinds).records:
        event = record.event_log_entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type != dg.DagsterEventType.ENGINE_EVENT:
            pending[event.step_key] -= 1
        elif getattr(event.event_specific_data, "marker_start", None) == CELERY_DISPATCH_MARKER:
            pending[event.step_key] += 1
    return {step for step, count in pending.items() if count > 0}


def latest_event_at(instance: dg.DagsterInstance, run_id: str) -> float | None:
    records = instance.get_records_for_run(run_id, ascending=False, limit=1).records
    return records[0].timestamp if records else None


def _timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()  # SQLite hands back naive UTC


def stalled_runs(
    instance: dg.DagsterInstance, database: DatabaseResource, stalled_after_seconds: float, now: float
) -> Iterator[tuple[dg.DagsterRun, str]]:
    """Each STARTED run of a request presumed dead, with the reason. A CLI run on this host whose process has exited is
    dead at once; any other run once `stalled_after_seconds` have passed since its start and its last sign of life."""
    started = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    # A request's runs, whatever their job: video_pipeline, or `__ASSET_JOB` launched from the UI or a backfill.
    records = [record for record in started if PARTITION_TAG in record.dagster_run.tags]
    if not records:
        return
    queue = pool_queue(instance)
    with database.session() as session:
        beats = last_heartbeats(session, _request_ids(records))
    for record in records:
        run = record.dagster_run
        request_id = run.tags.get(PARTITION_TAG, "")
        if died_with_process(run):
            yield run, f"its process (pid {run.tags[PID_TAG]} on {run.tags[HOST_TAG]}) has exited"
            continue
        if run.run_id in queue.waiting or steps_with_celery(instance, run.run_id):
            continue
        signs = [
            record.start_time,
            _timestamp(beats.get(request_id)),
            latest_event_at(instance, run.run_id),
            queue.assigned_at.get(run.run_id),
        ]
        quiet = now - max(sign for sign in signs if sign is not None)
        if quiet > stalled_after_seconds:
            yield (
                run,
                (
                    f"no heartbeat from request {request_id} and no run event for {quiet:.0f} s "
                    f"(VIDEO_ASSETS_STALLED_AFTER_SECONDS={stalled_after_seconds:g}): its run worker is presumed dead"
                ),
            )


def _request_ids(records: Collection[dg.RunRecord]) -> list[str]:
    return sorted({r.dagster_run.tags[PARTITION_TAG] for r in records if r.dagster_run.tags.get(PARTITION_TAG)})


@dg.sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=INTERVAL_SECONDS,
    description="Fails pipeline runs whose worker died (no heartbeat, no events), so run retries resume them.",
)
def stalled_run_sensor(context: dg.SensorEvaluationContext, database: DatabaseResource) -> dg.SkipReason:
    stalled_after = heartbeat_settings().stalled_after_seconds
    failed = []
    for run, reason in stalled_runs(context.instance, database, stalled_after, time.time()):
        message = f"Run {run.run_id} marked failed by stalled_run_sensor: {reason}."
        context.log.warning(message)
        context.instance.report_run_failed(run, message=message)
        # Its steps have been silent for the whole threshold, so the pool slots they claimed belong to dead processes:
        # freed now, the retry's steps need not wait for run monitoring's free_slots_after_run_end_seconds.
        if context.instance.event_log_storage.supports_global_concurrency_limits:
            context.instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
    return dg.SkipReason(f"failed {len(failed)} stalled run(s): {', '.join(failed)}" if failed else "no stalled runs")
