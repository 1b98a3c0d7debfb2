"""A chain of no-op steps, once on the default multiprocess executor and once on Celery: what a step costs to
orchestrate when it does nothing. Loaded by file by the bench's Celery worker, so it imports only Dagster."""

from __future__ import annotations

import os

import dagster as dg
from dagster_celery import celery_executor

STEPS = 12
QUEUE = {"dagster-celery/queue": "bench_noop"}


@dg.op(tags=QUEUE)
def start() -> int:
    return 0


@dg.op(tags=QUEUE)
def step(previous: int) -> int:
    return previous + 1


def chain() -> None:
    value = start()
    for index in range(STEPS):
        value = step.alias(f"step_{index}")(value)


IO = {"io_manager": dg.FilesystemIOManager(base_dir=os.environ.get("BENCH_NOOP_IO", "/tmp/bench-noop-io"))}
CELERY = celery_executor.configured(
    {"broker": {"env": "BENCH_CELERY_BROKER"}, "backend": {"env": "BENCH_CELERY_BROKER"}}
)


@dg.job(resource_defs=IO)
def noop_multiprocess() -> None:
    chain()


@dg.job(resource_defs=IO, executor_def=CELERY)
def noop_celery() -> None:
    chain()
