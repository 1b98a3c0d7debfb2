"""In-process launching for the CLI and the demo, through the same sensor code the daemon runs."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from resources.database import DatabaseResource
from sensors.requests import PIPELINE_JOB, claim_requests
from video_assets.db.repository import get_request, mark_queued
from video_assets.partitions import request_partitions
from video_assets.settings import Settings


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """`DAGSTER_HOME` when set (the configured instance), else a persistent one under `VIDEO_ASSETS_HOME`."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = Path(settings.home) / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.from_config(str(home))


def sensor_tick(instance: dg.DagsterInstance, defs: dg.Definitions, limit: int) -> list[str]:
    """One evaluation of the request sensor; returns the partition keys it asked to launch."""
    database: DatabaseResource = defs.resources["database"]
    context = dg.build_sensor_context(instance=instance, sensor_name="request_sensor", resources={"database": database})
    result = claim_requests(context, database, limit)
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return [run.partition_key for run in result.run_requests or [] if run.partition_key]


STAGE_ORDER = ("media_items", "media_analyses", "video_scripts", "rendered_videos")


def execute_request(instance: dg.DagsterInstance, defs: dg.Definitions, request_id: str, resume: bool = False) -> bool:
    """Register the partition and run the pipeline job for it in this process; True when the run succeeded.
    With `resume`, stages already materialized for this request are not run again."""
    database: DatabaseResource = defs.resources["database"]
    with database.session() as session:
        get_request(session, request_id)
        mark_queued(session, request_id, run_key=request_id, claimer="cli")
    instance.add_dynamic_partitions(request_partitions.name, [request_id])
    job = defs.resolve_job_def(PIPELINE_JOB)
    stages = unfinished_stages(instance, request_id) if resume else list(STAGE_ORDER)
    result = job.execute_in_process(
        partition_key=request_id,
        instance=instance,
        raise_on_error=False,
        tags={"request_id": request_id},
        asset_selection=[dg.AssetKey(stage) for stage in stages],
    )
    return result.success


def unfinished_stages(instance: dg.DagsterInstance, request_id: str) -> list[str]:
    """The first stage without a materialization for this partition, and every stage after it."""
    for index, stage in enumerate(STAGE_ORDER):
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(stage), asset_partitions=[request_id]), limit=1
        ).records
        if not records:
            return list(STAGE_ORDER[index:])
    return list(STAGE_ORDER[-1:])
