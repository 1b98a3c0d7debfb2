"""In-process launching for the CLI and the demo, through the same sensor code the daemon runs."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg

from resources.database import DatabaseResource
from sensors.failures import record_failed_run
from sensors.requests import (
    IN_FLIGHT,
    PARTITION_TAG,
    PIPELINE_JOB,
    STAGE_ORDER,
    TRACE_TAG,
    claim_requests,
    request_run_tags,
)
from video_assets.db.repository import get_request, mark_queued
from video_assets.embedded_instance import ensure_instance_yaml
from video_assets.partitions import request_partitions
from video_assets.service.requests import cancel_request
from video_assets.settings import Settings
from video_assets.tracing import run_span

HOST_TAG = "video_assets/host"
PID_TAG = "video_assets/pid"


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """`DAGSTER_HOME` when set (the configured instance), else a persistent one under `VIDEO_ASSETS_HOME`."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = Path(settings.home) / "dagster"
    ensure_instance_yaml(home)
    return dg.DagsterInstance.from_config(str(home))


@contextmanager
def resolved(defs: dg.Definitions, *names: str) -> Iterator[Any]:
    """Resources as a run would see them, EnvVars resolved: the CLI works outside any Dagster run."""
    with dg.build_resources({name: defs.resources[name] for name in names}) as resources:
        yield resources


def sensor_tick(instance: dg.DagsterInstance, defs: dg.Definitions, limit: int) -> list[str]:
    """One evaluation of the request sensor; returns the partition keys it asked to launch."""
    with resolved(defs, "database") as resources:
        database: DatabaseResource = resources.database
        context = dg.build_sensor_context(
            instance=instance, sensor_name="request_sensor", resources={"database": database}
        )
        result = claim_requests(context, database, limit)
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return [run.partition_key for run in result.run_requests or [] if run.partition_key]


def execute_request(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    request_id: str,
    resume: bool = False,
    on_event: Callable[[dg.EventLogEntry], None] | None = None,
) -> bool:
    """Register the partition and run the pipeline job for it in this process; True when the run succeeded.
    With `resume`, stages already materialized for this request are not run again. A failed run leaves its dead
    letter exactly as the daemon's dead-letter sensor would; a request that completes resolves its own letters.
    `on_event` sees every event the run stores, as it is stored (the CLI's progress display). True also for a
    request that ended partial_success."""
    with resolved(defs, "database", "object_store") as resources:
        database: DatabaseResource = resources.database
        store = resources.object_store.store()
    with database.session() as session:
        request = get_request(session, request_id)
        failed_stage = request.stage if request.status == "failed" else None
        tags = request_run_tags(request)
        mark_queued(session, request_id, run_key=request_id, claimer="cli")
    instance.add_dynamic_partitions(request_partitions.name, [request_id])
    job = defs.resolve_job_def(PIPELINE_JOB)
    stages = unfinished_stages(instance, request_id, failed_stage) if resume else list(STAGE_ORDER)
    run_id = str(uuid.uuid4())
    if on_event is not None:
        instance.add_event_listener(run_id, on_event)
    # This process sees the whole run, so it records the run's span (the daemon's runs: sensors/run_spans.py).
    with run_span(tags.get(TRACE_TAG), run_id, request_id):
        result = job.execute_in_process(
            run_id=run_id,
            partition_key=request_id,
            instance=instance,
            raise_on_error=False,
            # The pid lets housekeeping tell a run that died with this process from one still going.
            tags=tags | {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())},
            asset_selection=[dg.AssetKey(stage) for stage in stages],
        )
    if result.success:
        return True
    failure = result.get_run_failure_event()
    record_failed_run(database, store, instance, result.dagster_run, failure.message if failure else None)
    with database.session() as session:
        # A lost variant fails its own render step, and so the run, while the request is a partial success.
        return get_request(session, request_id).status == "partial_success"


def unfinished_stages(instance: dg.DagsterInstance, request_id: str, failed_stage: str | None = None) -> list[str]:
    """The first stage without a materialization for this partition, or the stage the request failed at if that
    comes earlier (a stage whose blocking check failed is materialized, yet not finished), and every stage after."""
    for index, stage in enumerate(STAGE_ORDER):
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(stage), asset_partitions=[request_id]), limit=1
        ).records
        if not records or stage == failed_stage:
            return list(STAGE_ORDER[index:])
    return list(STAGE_ORDER[-1:])


def cancel_and_terminate(instance: dg.DagsterInstance, defs: dg.Definitions, request_id: str) -> list[str]:
    """Mark the request cancelled, so no stage may start or finish it and no sensor tick launches it again, then ask
    the instance to terminate its in-flight runs; returns their ids. A run the launcher cannot reach (an in-process
    CLI run) stops itself: its render step sees the cancellation at the next progress report, every other step
    when it starts."""
    with resolved(defs, "database") as resources:
        database: DatabaseResource = resources.database
    with database.session() as session:
        cancel_request(session, request_id)  # the same rule and record as over HTTP; StateConflict once ended
    runs = instance.get_run_records(dg.RunsFilter(tags={PARTITION_TAG: request_id}, statuses=IN_FLIGHT))
    for record in runs:
        instance.run_coordinator.cancel_run(record.dagster_run.run_id)
    return [record.dagster_run.run_id for record in runs]
