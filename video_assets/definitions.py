"""The one Definitions object: assets, checks, jobs, sensors, schedules and resources."""

from typing import Any

import dagster as dg

from executors import executor_for
from resources.build import resources_for
from schedules.housekeeping import housekeeping_job, housekeeping_schedule
from schedules.reconcile import reconcile_external_merges_schedule, reconcile_job
from sensors.cancellations import cancelled_run_sensor
from sensors.failures import dead_letter_sensor
from sensors.feeds import feed_sensor
from sensors.requests import request_sensor
from sensors.run_spans import run_span_sensor
from sensors.stalled_runs import stalled_run_sensor
from video_assets.assets.editable_exports import editable_exports
from video_assets.assets.jobs import video_pipeline
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import every_material_has_a_row, media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.settings import load_mode


def build_definitions(resources: dict[str, Any], executor: dg.ExecutorDefinition | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[media_items, media_analyses, video_scripts, rendered_videos, editable_exports],
        asset_checks=[every_material_has_a_row],
        jobs=[video_pipeline, housekeeping_job, reconcile_job],
        schedules=[housekeeping_schedule, reconcile_external_merges_schedule],
        sensors=[
            request_sensor,
            dead_letter_sensor,
            stalled_run_sensor,
            cancelled_run_sensor,
            feed_sensor,
            run_span_sensor,
        ],
        resources=resources,
        executor=executor,
    )


# VIDEO_ASSETS_MODE, VIDEO_ASSETS_EXECUTOR and VIDEO_ASSETS_STEP_START_METHOD are the only settings read at import:
# they decide which resources and which executor exist, not their values.
deployment = load_mode()
defs = build_definitions(resources_for(deployment.mode), executor_for(deployment))
