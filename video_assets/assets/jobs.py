"""The pipeline job: every stage asset (and its checks) for one request partition."""

import dagster as dg

from sensors.requests import MAX_RUNTIME_TAG, PIPELINE_JOB, RUN_TIME_LIMIT_SECONDS

video_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.groups("video"),
    tags={MAX_RUNTIME_TAG: str(RUN_TIME_LIMIT_SECONDS)},
    description="Materializes every stage for one request partition.",
)
