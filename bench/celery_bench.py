"""Scale-out on Celery with the real Redis broker.

1. Per-step orchestration cost: a chain of 12 no-op steps (bench/noop_steps.py) on the default multiprocess
   executor (a child process per step) and on the Celery executor (one warm worker), on one instance, same run;
   Celery both at dagster-celery's own 1 s result poll and at the one executors/celery.py sets.
2. Requests per hour through the whole production topology (`VIDEO_ASSETS_EXECUTOR=celery scripts/prod.sh up`):
   the same batch of requests with one `video_generation` worker, then with two. On a 2-core machine one render
   already keeps both cores busy, so the second worker cannot make it faster; the figure says by how much it
   does not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import dagster as dg  # noqa: E402
import noop_steps  # noqa: E402
from dagster_celery import core_execution_loop  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from executors.celery import POLL_SECONDS  # noqa: E402
from tests.e2e.deployment import TERMINAL, Deployment, deployed  # noqa: E402
from tests.harness.processes import process_tree  # noqa: E402
from tests.harness.redis_db import empty, free_redis_url  # noqa: E402
from video_assets.db.engine import session_scope  # noqa: E402
from video_assets.db.models import VideoRequest  # noqa: E402

BIN = Path(sys.executable).parent
REQUESTS_PER_BATCH = 3
DAGSTER_CELERY_TICK_SECONDS = 1  # dagster_celery.core_execution_loop.TICK_SECONDS as shipped


@contextmanager
def worker(queue: str, name: str, env: dict[str, str], config: Path | None, log: Path) -> Iterator[None]:
    """A dagster-celery worker as the docs start it; killed with its children at the end."""
    command = [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-q", queue, "-n", name]
    command += ["-y", str(config)] if config else []
    env = {**env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--", "--concurrency", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while f"{name}@" not in log.read_text() or " ready" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker {name} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield
    finally:
        for pid in process_tree([process.pid]):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)


def step_overhead(folder: Path) -> dict[str, float]:
    broker = free_redis_url()
    home = folder / "dagster"
    home.mkdir()
    env = {**os.environ, "BENCH_CELERY_BROKER": broker, "BENCH_NOOP_IO": str(folder / "io"), "DAGSTER_HOME": str(home)}
    env["PYTHONPATH"] = str(HERE)  # the worker imports the job the way this process does
    os.environ.update({key: env[key] for key in ("BENCH_CELERY_BROKER", "BENCH_NOOP_IO")})
    config = folder / "celery.yaml"
    config.write_text(f"execution:\n  config:\n    broker: '{broker}'\n    backend: '{broker}'\n")
    seconds = {}
    with (
        dg.DagsterInstance.from_config(str(home)) as instance,
        worker("bench_noop", "bench-noop", env, config, folder / "worker.log"),
    ):
        # The Celery chain twice: at dagster-celery's own poll tick, then at the one executors/celery.py sets.
        for label, name, tick in (
            ("noop_multiprocess", "noop_multiprocess", POLL_SECONDS),
            ("noop_celery_default_tick", "noop_celery", DAGSTER_CELERY_TICK_SECONDS),
            ("noop_celery", "noop_celery", POLL_SECONDS),
        ):
            core_execution_loop.TICK_SECONDS = tick
            started = time.perf_counter()
            result = dg.execute_job(dg.reconstructable(getattr(noop_steps, name)), instance=instance)
            assert result.success, name
            seconds[label] = time.perf_counter() - started
        core_execution_loop.TICK_SECONDS = POLL_SECONDS
    empty(broker)
    steps = noop_steps.STEPS + 1
    return {
        "steps": steps,
        "multiprocess_s_per_step": round(seconds["noop_multiprocess"] / steps, 2),
        "celery_s_per_step": round(seconds["noop_celery"] / steps, 2),
        "celery_poll_s": POLL_SECONDS,
        "celery_s_per_step_at_default_1s_poll": round(seconds["noop_celery_default_tick"] / steps, 2),
    }


def batch_per_hour(deployment: Deployment, label: str) -> dict[str, float]:
    ids = [deployment.submit(f"{label}{i}", video_count=1, target_duration=15) for i in range(REQUESTS_PER_BATCH)]
    deadline = time.monotonic() + 1800
    while set(deployment.statuses(ids).values()) - TERMINAL and time.monotonic() < deadline:
        time.sleep(1)
    with session_scope(deployment.database_url) as session:
        first = session.scalar(select(func.min(VideoRequest.created_at)).where(VideoRequest.id.in_(ids)))
        last = session.scalar(select(func.max(VideoRequest.finished_at)).where(VideoRequest.id.in_(ids)))
        errors = sorted(
            {row.error for row in session.scalars(select(VideoRequest).where(VideoRequest.id.in_(ids)))} - {None}
        )
    if errors:
        raise SystemExit(f"{label}: requests did not complete: {errors}")
    statuses = sorted(set(deployment.statuses(ids).values()))
    elapsed = (last - first).total_seconds()
    return {"statuses": statuses, "batch_s": round(elapsed, 1), "requests_per_hour": round(len(ids) * 3600 / elapsed)}


def throughput(folder: Path) -> dict[str, object]:
    broker = free_redis_url()
    settings = {"VIDEO_ASSETS_EXECUTOR": "celery", "VIDEO_ASSETS_CELERY_BROKER": broker}
    try:
        with deployed(folder / "prod-home", settings) as deployment:
            one = batch_per_hour(deployment, "一个")
            config = deployment.home / "prod" / "celery.yaml"
            log = deployment.home / "prod" / "logs" / "worker-video_generation-2.log"
            with worker("video_generation", "video_generation-2", deployment.env, config, log):
                two = batch_per_hour(deployment, "两个")
    finally:
        empty(broker)
    return {"one_render_worker": one, "two_render_workers": two}


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="celery-bench-") as temp:
        folder = Path(temp)
        overhead = step_overhead(folder)
        rates = throughput(folder)
    return {"per_step_overhead": overhead, "requests": REQUESTS_PER_BATCH, **rates}


if __name__ == "__main__":
    print(run())
