"""The executor a launched run executes its steps with, as VIDEO_ASSETS_EXECUTOR and VIDEO_ASSETS_STEP_START_METHOD
choose it."""

import dagster as dg

from executors.celery import video_assets_celery_executor
from executors.multiprocess import multiprocess_executor
from video_assets.settings import ModeSettings


def executor_for(settings: ModeSettings) -> dg.ExecutorDefinition:
    if settings.executor == "celery":
        return video_assets_celery_executor
    return multiprocess_executor(settings.step_start_method)
