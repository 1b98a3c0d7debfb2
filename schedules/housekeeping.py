"""Hourly: delete working directories older than a day (runs normally remove their own)."""

import dagster as dg

from video_assets.housekeeping import expire_stale_entries
from video_assets.settings import load_settings

MAX_AGE_SECONDS = 24 * 3600


@dg.op(description="Removes entries under VIDEO_ASSETS_HOME/tmp untouched for a day.")
def expire_temp_files(context: dg.OpExecutionContext) -> None:
    removed = expire_stale_entries(load_settings().temp_dir, MAX_AGE_SECONDS)
    context.log.info(f"removed {len(removed)} stale temp entries")


@dg.job(description="Expire stale temp files.")
def housekeeping_job() -> None:
    expire_temp_files()


expire_temp_files_schedule = dg.ScheduleDefinition(
    job=housekeeping_job, cron_schedule="17 * * * *", default_status=dg.DefaultScheduleStatus.RUNNING
)
