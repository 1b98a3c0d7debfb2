"""The production topology (`scripts/prod.sh up`: the daemon's sensor claims each request, the run queue launches a
run worker, each step runs in a process of its own, Postgres and the S3 server) against in-process, in one run:

1. Idle pickup: tiny requests submitted one at a time to an idle deployment; submit -> run started and each step's
   process start-up.
2. The demo request (examples/request.json) from submit to completed in that deployment, and in-process on the
   embedded defaults (`video-assets demo`: SQLite, local store), at the project's default preset.
3. Throughput at load: BATCH tiny requests (1 variant, 5 s, the 1:1 canvas, `ultrafast`) submitted at once to a
   fresh deployment: requests per hour, submit -> completed p50/p95/max, the orchestration share (wall time outside
   the steps' own work) and that none was lost.

Timings come from the request rows and the runs' event logs (bench/run_timings.py). The machine is shared: the load
average at the start and end of each part is reported beside its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import dagster as dg  # noqa: E402
from run_timings import RequestTiming, request_timing, summary  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.e2e.deployment import TERMINAL, Deployment, deployed  # noqa: E402
from video_assets.cli import submit_file  # noqa: E402
from video_assets.db.engine import session_scope  # noqa: E402
from video_assets.db.models import VideoRequest  # noqa: E402
from video_assets.db.repository import get_request  # noqa: E402
from video_assets.settings import Settings, sqlite_url  # noqa: E402

BIN = Path(sys.executable).parent
REQUEST = REPO / "examples" / "request.json"
MEDIA = REPO / "examples" / "media"
IDLE_REQUESTS = 5
BATCH = int(os.environ.get("VIDEO_ASSETS_BENCH_BATCH", "30"))
# The offline planner fits no hook and scene in 5 s (7.2 s at least, whatever the materials): 7 s is the shortest.
TINY = {"video_count": 1, "target_duration": 7, "aspect": "1:1"}
TINY_ARTICLE = "# 实验室\n\n宇航员检查火箭模型。\n\n彩条画面用于设备自检。"
DEFAULT_PRESET = {"VIDEO_ASSETS_RENDER_PRESET": Settings.model_fields["render_preset"].default}


def load() -> float:
    return os.getloadavg()[0]


def in_process(home: Path) -> dict[str, object]:
    env = {**os.environ, "VIDEO_ASSETS_HOME": str(home), "VIDEO_ASSETS_LOCAL_ROOTS": str(MEDIA)}
    for name in ("VIDEO_ASSETS_DATABASE_URL", "VIDEO_ASSETS_STORAGE", "VIDEO_ASSETS_MODE", "DAGSTER_HOME"):
        env.pop(name, None)
    env |= DEFAULT_PRESET
    started, load_before = time.perf_counter(), load()
    demo = subprocess.run([str(BIN / "video-assets"), "demo", str(REQUEST)], env=env, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr[-3000:]
    request_id = demo.stderr.split("submitted ", 1)[1].split()[0]
    with session_scope(sqlite_url(home)) as session:
        row = get_request(session, request_id)
        assert row.finished_at is not None, "the demo request never finished"
        seconds = (row.finished_at - row.created_at).total_seconds()
    return {
        "status": row.status,
        "submit_to_completed_s": round(seconds, 1),
        "cli_wall_s": round(time.perf_counter() - started, 1),
        "load": [round(load_before, 1), round(load(), 1)],
    }


@contextmanager
def deployment_settings(deployment: Deployment) -> Iterator[dg.DagsterInstance]:
    """This process submits and reads as the deployment's own processes do: its settings, its Dagster instance."""
    saved = dict(os.environ)
    os.environ.update(deployment.env)
    try:
        with dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"]) as instance:
            yield instance
    finally:
        os.environ.clear()
        os.environ.update(saved)


def submit(path: Path, request: dict[str, object]) -> str:
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    return submit_file(path, Settings())[0]


def tiny_request(deployment: Deployment, title: str) -> dict[str, object]:
    materials = [{"uri": str(deployment.materials / name)} for name in ("astronaut.jpg", "bars.mp4")]
    return {"title": title, "markdown": TINY_ARTICLE, "materials": materials, **TINY}


def wait_terminal(deployment: Deployment, request_ids: list[str], timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while set(deployment.statuses(request_ids).values()) - TERMINAL:
        if time.monotonic() > deadline:
            raise SystemExit(f"requests still not finished after {timeout:g} s: {deployment.statuses(request_ids)}")
        time.sleep(0.5)


def timings(instance: dg.DagsterInstance, deployment: Deployment, request_ids: list[str]) -> list[RequestTiming]:
    with session_scope(deployment.database_url) as session:
        rows = list(session.scalars(select(VideoRequest).where(VideoRequest.id.in_(request_ids))))
    return [request_timing(instance, row.id, row.created_at, row.finished_at) for row in rows if row.finished_at]


def idle_and_demo(home: Path) -> dict[str, object]:
    with deployed(home, DEFAULT_PRESET) as deployment, deployment_settings(deployment) as instance:
        load_before, idle_ids = load(), []
        for index in range(IDLE_REQUESTS):
            idle_ids.append(submit(home / f"idle{index}.json", tiny_request(deployment, f"空闲{index}")))
            wait_terminal(deployment, idle_ids[-1:])
        idle = summary(timings(instance, deployment, idle_ids)) | {"load": [round(load_before, 1), round(load(), 1)]}
        idle["statuses"] = sorted(set(deployment.statuses(idle_ids).values()))
        load_before = load()
        demo_id = deployment.cli("submit", str(REQUEST)).stdout.strip()
        wait_terminal(deployment, [demo_id])
        [demo] = timings(instance, deployment, [demo_id])
        status = deployment.statuses([demo_id])[demo_id]
    return {
        "idle_tiny_requests": idle,
        "demo": {
            "status": status,
            "submit_to_completed_s": round(demo.latency_s, 1),
            "submit_to_run_launched_s": round(demo.launch_s, 1),
            "submit_to_run_started_s": round(demo.pickup_s, 1),
            "orchestration_share": round(1 - demo.work_s / demo.latency_s, 2),
            "load": [round(load_before, 1), round(load(), 1)],
        },
    }


def throughput(home: Path) -> dict[str, object]:
    with deployed(home, {}) as deployment, deployment_settings(deployment) as instance:
        requests = [(home / f"tiny{index}.json", tiny_request(deployment, f"小{index}")) for index in range(BATCH)]
        load_before = load()
        request_ids = [submit(path, request) for path, request in requests]
        wait_terminal(deployment, request_ids)
        statuses = deployment.statuses(request_ids)
        measured = timings(instance, deployment, request_ids)
        with session_scope(deployment.database_url) as session:
            rows = list(session.scalars(select(VideoRequest).where(VideoRequest.id.in_(request_ids))))
    first = min(row.created_at for row in rows)
    last = max(row.finished_at for row in rows if row.finished_at)
    span = (last - first).total_seconds()
    return {
        "requests": BATCH,
        "completed": sum(status == "completed" for status in statuses.values()),
        "lost": BATCH - len(measured),
        "statuses": sorted(set(statuses.values())),
        "not_completed": {
            row.id: f"{row.status} at {row.stage}: {row.error}" for row in rows if row.status != "completed"
        },
        "batch_s": round(span, 1),
        "requests_per_hour": round(BATCH * 3600 / span),
        **summary(measured),
        "load": [round(load_before, 1), round(load(), 1)],
    }


def run() -> dict[str, object]:
    subprocess.run([sys.executable, str(REPO / "examples" / "prepare_media.py")], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="prod-bench-") as folder:
        deployed_figures = idle_and_demo(Path(folder) / "idle")
        embedded = in_process(Path(folder) / "embedded")
        batch = throughput(Path(folder) / "batch")
    demo = deployed_figures["demo"]
    ratio = demo["submit_to_completed_s"] / embedded["submit_to_completed_s"]  # type: ignore[index,operator]
    return {
        "idle_tiny_requests": deployed_figures["idle_tiny_requests"],
        "demo_in_process": embedded,
        "demo_production": demo,
        "demo_production_over_in_process": round(ratio, 2),
        "tiny_batch": batch,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
