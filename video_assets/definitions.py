"""The one Definitions object: assets, checks, jobs, sensors, schedules and resources."""

import dagster as dg

from resources.build import build_resources
from sensors.failures import dead_letter_sensor
from sensors.requests import request_sensor
from video_assets.assets.jobs import video_pipeline
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import every_material_has_a_row, media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.settings import load_settings

defs = dg.Definitions(
    assets=[media_items, media_analyses, video_scripts, rendered_videos],
    asset_checks=[every_material_has_a_row],
    jobs=[video_pipeline],
    sensors=[request_sensor, dead_letter_sensor],
    resources=build_resources(load_settings()),
)
