"""Request sensor under load: 10,000 pending rows in Postgres, ticks capped at the default batch size; the claim
query's plan at that size (EXPLAIN ANALYZE); and an idle tick, once every row is finished, which is what the daemon
pays every `minimum_interval_seconds` on a quiet deployment."""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dagster as dg  # noqa: E402
from sqlalchemy import insert, text, update  # noqa: E402

from resources.database import DatabaseResource  # noqa: E402
from sensors.requests import claim_requests  # noqa: E402
from tests.harness.postgres import create_database, drop_database, postgres_server  # noqa: E402
from video_assets.db.engine import get_engine, session_scope  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.db.models import VideoRequest, utcnow  # noqa: E402
from video_assets.db.repository import SensorCursor, claimable_requests_query  # noqa: E402
from video_assets.request_schema import VideoRequestSpec  # noqa: E402

ROWS = 10_000
BATCH = 50
TICKS = 30


def seed(url: str) -> None:
    spec = VideoRequestSpec(title="bench", markdown="# bench\n\ntext").model_dump(mode="json")
    start = utcnow()
    rows = [
        {
            "id": f"req_bench_{i:05d}",
            "title": "bench",
            "spec": spec,
            "status": "pending",
            "progress": 0.0,
            "attempts": 0,
            "created_at": start + timedelta(microseconds=i),
            "updated_at": start,
        }
        for i in range(ROWS)
    ]
    with session_scope(url) as session:
        session.execute(insert(VideoRequest), rows)


def claim_plan(url: str) -> dict[str, object]:
    """EXPLAIN ANALYZE of the first tick's claim query, with the table's statistics fresh (autovacuum's job in
    production): how it finds the rows, how many pages it reads, and the server's own execution time."""
    query = claimable_requests_query(SensorCursor(None, ""), "request_sensor", BATCH)
    with session_scope(url) as session:
        session.execute(text("ANALYZE video_requests"))
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = [row[0].strip() for row in session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]
    scan = next(line for line in plan if "Scan" in line)
    execution = next(line for line in plan if line.startswith("Execution Time"))
    return {
        "claim_plan_scan": scan.removeprefix("->").split("  (")[0].strip(),
        "claim_plan_buffers": plan[1].removeprefix("Buffers: "),
        "claim_query_ms": float(execution.split()[2]),
    }


def timed_ticks(instance: dg.DagsterInstance, database: DatabaseResource, ticks: int) -> tuple[list[float], list[int]]:
    cursor, durations, sizes = None, [], []
    for _ in range(ticks):
        context = dg.build_sensor_context(instance=instance, cursor=cursor, sensor_name="request_sensor")
        started = time.perf_counter()
        result = claim_requests(context, database, BATCH)
        durations.append(time.perf_counter() - started)
        sizes.append(len(result.run_requests or []))
        cursor = result.cursor
    return durations, sizes


def run() -> dict[str, object]:
    with postgres_server() as server:
        name = f"va_bench_{uuid.uuid4().hex[:8]}"
        url = create_database(server, name)
        try:
            upgrade(url)
            seed(url)
            plan = claim_plan(url)
            database = DatabaseResource(url=url)
            with dg.DagsterInstance.ephemeral() as instance:
                durations, sizes = timed_ticks(instance, database, TICKS)
                with session_scope(url) as session:
                    session.execute(update(VideoRequest).values(status="completed"))
                idle, _ = timed_ticks(instance, database, TICKS)
        finally:
            get_engine(url).dispose()
            drop_database(server, name)
    return {
        "pending_rows": ROWS,
        "batch_cap": BATCH,
        "ticks": TICKS,
        "first_tick_s": round(durations[0], 4),
        "median_tick_s": round(statistics.median(durations), 4),
        "max_tick_s": round(max(durations), 4),
        "max_rows_per_tick": max(sizes),
        "rows_claimed": sum(sizes),
        **plan,
        "idle_tick_median_s": round(statistics.median(idle), 4),
    }


if __name__ == "__main__":
    print(run())
