"""Pipeline runs in a real (temporary, SQLite-backed) Dagster instance, put into a status through its own event API."""

from __future__ import annotations

import time

import dagster as dg

from sensors.requests import PARTITION_TAG, PIPELINE_JOB
from video_assets.definitions import defs


def pipeline_run(
    instance: dg.DagsterInstance, request_id: str, tags: dict[str, str] | None = None, job_name: str = PIPELINE_JOB
) -> dg.DagsterRun:
    """A run of the request's partition: of `video_pipeline`, or of `__ASSET_JOB` as the UI and its backfills launch."""
    job = defs.resolve_job_def(job_name)
    return instance.create_run_for_job(job_def=job, tags={PARTITION_TAG: request_id, **(tags or {})})


def started_run(
    instance: dg.DagsterInstance,
    request_id: str,
    seconds_ago: float,
    tags: dict[str, str] | None = None,
    job_name: str = PIPELINE_JOB,
) -> dg.DagsterRun:
    """A run whose worker reported its start `seconds_ago`, and nothing since."""
    run = pipeline_run(instance, request_id, tags, job_name)
    start = dg.DagsterEvent(event_type_value=dg.DagsterEventType.PIPELINE_START.value, job_name=job_name)
    instance.report_dagster_event(start, run.run_id, timestamp=time.time() - seconds_ago)
    return status_of(instance, run)


def status_of(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.DagsterRun:
    found = instance.get_run_by_id(run.run_id)
    assert found is not None
    return found
