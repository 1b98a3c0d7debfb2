"""The pipeline job: every stage asset (and its checks) for one request partition."""

import dagster as dg

from sensors.requests import PIPELINE_JOB

STEP_TIME_LIMIT_SECONDS = 3600

video_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.groups("video"),
    tags={"dagster/max_runtime": str(4 * STEP_TIME_LIMIT_SECONDS)},
    description="Materializes every stage for one request partition.",
)
