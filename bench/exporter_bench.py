"""`video-assets exporter` over a large instance: 10,000 requests in Postgres and 1,000 runs in a Postgres-backed
Dagster instance (queued, started, steps, a retry in 1 run of 20, a failed render in 1 of 10), written through
Dagster's own event storage. Reports the first refresh over that whole history, a refresh with nothing new, and the
scrape of /metrics over HTTP (target: under 1 s)."""

from __future__ import annotations

import statistics
import sys
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dagster as dg  # noqa: E402
from dagster._core.definitions.dependency import NodeHandle  # noqa: E402
from dagster._core.events import DagsterEvent  # noqa: E402
from dagster._core.execution.plan.handle import StepHandle  # noqa: E402
from dagster._core.execution.plan.objects import StepFailureData, StepSuccessData  # noqa: E402
from dagster._utils.error import SerializableErrorInfo  # noqa: E402
from prometheus_client import start_http_server  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from sensors.metrics_source import DagsterSource  # noqa: E402
from tests.harness.postgres import create_database, drop_database, free_port, postgres_server  # noqa: E402
from tests.metrics.instance import postgres_instance  # noqa: E402
from video_assets.db.engine import get_engine, session_scope  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.db.models import RequestEvent, VideoRequest, utcnow  # noqa: E402
from video_assets.metrics.exporter import Exporter  # noqa: E402

REQUESTS = 10_000
RUNS = 1_000
STEPS = ("media_items", "media_analyses", "video_scripts", "rendered_videos", "editable_exports")
SCRAPES = 20
STATUSES = ("completed", "completed", "completed", "failed", "pending", "processing", "partial_success")


def seed_requests(url: str) -> None:
    start = utcnow() - timedelta(days=1)
    requests = [
        {
            "id": f"req_bench_{i:05d}",
            "title": "bench",
            "spec": {},
            "status": STATUSES[i % len(STATUSES)],
            "progress": 0.0,
            "attempts": 1,
            "created_at": start + timedelta(seconds=i),
            "updated_at": start,
        }
        for i in range(REQUESTS)
    ]
    events = [
        {
            "request_id": f"req_bench_{i:05d}",
            "at": start + timedelta(seconds=i + 20),
            "kind": "run_started",
            "message": "run started",
            "data": {},
            "dedupe_key": f"run_started:bench-{i}",
        }
        for i in range(REQUESTS)
        if STATUSES[i % len(STATUSES)] != "pending"
    ]
    with session_scope(url) as session:
        session.execute(insert(VideoRequest), requests)
        session.execute(insert(RequestEvent), events)


def _entry(
    run_id: str, at: float, kind: dg.DagsterEventType, step: str | None = None, data: object = None
) -> dg.EventLogEntry:
    handle = StepHandle(NodeHandle(step, None)) if step else None
    event = DagsterEvent(kind.value, "video_pipeline", step_handle=handle, event_specific_data=data)  # type: ignore[arg-type]
    return dg.EventLogEntry(
        error_info=None,
        level=20,
        user_message="",
        run_id=run_id,
        timestamp=at,
        step_key=step,
        job_name="video_pipeline",
        dagster_event=event,
    )


def seed_runs(instance: dg.DagsterInstance) -> None:
    T = dg.DagsterEventType
    failure = StepFailureData(SerializableErrorInfo("render failed", [], "Failure"), None)
    began = time.time() - 86_400
    for index in range(RUNS):
        run_id = str(uuid.uuid4())
        failed = index % 10 == 0
        status = dg.DagsterRunStatus.FAILURE if failed else dg.DagsterRunStatus.SUCCESS
        instance.add_run(dg.DagsterRun(job_name="video_pipeline", run_id=run_id, status=status))
        at = began + index * 60
        entries = [_entry(run_id, at, T.RUN_ENQUEUED), _entry(run_id, at + 3, T.RUN_START)]
        for offset, step in enumerate(STEPS):
            step_at = at + 5 + offset * 10
            entries.append(_entry(run_id, step_at, T.STEP_START, step))
            if index % 20 == 0 and step == "media_analyses":
                entries += [
                    _entry(run_id, step_at + 1, T.STEP_UP_FOR_RETRY, step),
                    _entry(run_id, step_at + 2, T.STEP_RESTARTED, step),
                ]
            if failed and step == "rendered_videos":
                entries += [_entry(run_id, step_at + 8, T.STEP_FAILURE, step, failure)]
                entries += [_entry(run_id, step_at + 9, T.RUN_FAILURE)]
                break
            entries.append(_entry(run_id, step_at + 8, T.STEP_SUCCESS, step, StepSuccessData(8000.0)))
        else:
            entries.append(_entry(run_id, at + 60, T.RUN_SUCCESS))
        for entry in entries:
            instance.store_event(entry)


def scrape(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as answer:
        size = len(answer.read())
    return time.perf_counter() - started, size


def run() -> dict[str, float]:
    with postgres_server() as server, TemporaryDirectory() as home:
        app_db, dagster_db = f"va_bench_{uuid.uuid4().hex[:8]}", f"va_bench_dagster_{uuid.uuid4().hex[:8]}"
        app_url, dagster_url = create_database(server, app_db), create_database(server, dagster_db)
        try:
            upgrade(app_url)
            seed_requests(app_url)
            with postgres_instance(dagster_url, Path(home)) as instance:
                started = time.perf_counter()
                seed_runs(instance)
                seeding = time.perf_counter() - started
                exporter = Exporter(app_url, DagsterSource(instance))
                started = time.perf_counter()
                assert exporter.refresh()
                first = time.perf_counter() - started
                steady = []
                for _ in range(5):
                    started = time.perf_counter()
                    assert exporter.refresh()
                    steady.append(time.perf_counter() - started)
                port = free_port()
                server_handle, thread = start_http_server(port, "127.0.0.1", registry=exporter.families.registry)
                scrapes = [scrape(f"http://127.0.0.1:{port}/metrics") for _ in range(SCRAPES)]
                server_handle.shutdown()
                thread.join(timeout=5)
                count = exporter.families.registry.get_sample_value
                observed = count(
                    "video_assets_stage_duration_seconds_count", {"stage": "media_items", "outcome": "success"}
                )
        finally:
            get_engine(app_url).dispose()
            drop_database(server, app_db)
            drop_database(server, dagster_db)
    assert observed == RUNS, observed
    return {
        "requests": REQUESTS,
        "runs": RUNS,
        "seed_runs_s": round(seeding, 1),
        "first_refresh_s": round(first, 3),
        "steady_refresh_median_s": round(statistics.median(steady), 3),
        "scrape_median_s": round(statistics.median(seconds for seconds, _ in scrapes), 4),
        "scrape_max_s": round(max(seconds for seconds, _ in scrapes), 4),
        "scrape_bytes": scrapes[0][1],
        "scrape_target_s": 1.0,
    }


if __name__ == "__main__":
    print(run())
