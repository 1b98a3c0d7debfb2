"""`VIDEO_ASSETS_EXECUTOR=celery`: dagster-celery's executor, configured from the settings when a run starts (the
broker URL is a secret, so it is never read at import), and the same configuration for the workers' YAML.

A killed worker's step must run again somewhere: tasks are acknowledged only once they finish
(`task_acks_late`) and handed back when their worker process dies (`task_reject_on_worker_lost`); with Redis, a
task whose whole worker vanished returns to the queue after the visibility timeout. Render steps are idempotent
(a finished variant is kept, an unfinished one starts over), so running one again is safe."""

from __future__ import annotations

from typing import Any

import yaml
from dagster_celery import celery_executor, core_execution_loop

from video_assets.settings import Settings, load_settings

# The run worker looks for finished Celery tasks once per tick, and hands out the next steps only after a tick: a
# chain of steps paid about one tick each. dagster-celery 0.29.27 (pinned) has no setting for it, only this module
# constant, read at every tick; each look is one GET per step in flight on the result backend.
POLL_SECONDS = 0.1
if not hasattr(core_execution_loop, "TICK_SECONDS"):
    raise ImportError("dagster_celery.core_execution_loop.TICK_SECONDS is gone: see executors/celery.py")
core_execution_loop.TICK_SECONDS = POLL_SECONDS


def celery_config(settings: Settings) -> dict[str, Any]:
    broker = settings.celery_broker.get_secret_value()
    backend = settings.celery_backend.get_secret_value() or (
        broker if broker.startswith(("redis://", "rediss://")) else "rpc://"
    )
    return {
        "broker": broker,
        "backend": backend,
        "config_source": {
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_transport_options": {"visibility_timeout": settings.celery_visibility_timeout_seconds},
            "result_backend_transport_options": {"visibility_timeout": settings.celery_visibility_timeout_seconds},
        },
    }


def worker_yaml(settings: Settings) -> str:
    """What `dagster-celery worker start -y` reads: the executor's own config block."""
    return yaml.safe_dump({"execution": {"config": celery_config(settings)}}, sort_keys=False)


def _config_at_run_start(_: Any) -> dict[str, Any]:
    return celery_config(load_settings())


video_assets_celery_executor = celery_executor.configured(_config_at_run_start, name="celery")
