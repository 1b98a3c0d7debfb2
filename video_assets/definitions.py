"""The one Definitions object: assets, checks, jobs, sensors, schedules and resources."""

import dagster as dg

from resources.build import build_resources
from video_assets.settings import load_settings

defs = dg.Definitions(resources=build_resources(load_settings()))
