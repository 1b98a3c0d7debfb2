"""Request sensor under load: 10,000 pending rows in Postgres, ticks capped at the default batch size."""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dagster as dg  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from resources.database import DatabaseResource  # noqa: E402
from sensors.requests import claim_requests  # noqa: E402
from tests.harness.postgres import create_database, drop_database, postgres_server  # noqa: E402
from video_assets.db.engine import get_engine, session_scope  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.db.models import VideoRequest, utcnow  # noqa: E402
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


def run() -> dict[str, float]:
    with postgres_server() as server:
        name = f"va_bench_{uuid.uuid4().hex[:8]}"
        url = create_database(server, name)
        try:
            upgrade(url)
            seed(url)
            database = DatabaseResource(url=url)
            cursor, durations, sizes = None, [], []
            with dg.DagsterInstance.ephemeral() as instance:
                for _ in range(TICKS):
                    context = dg.build_sensor_context(instance=instance, cursor=cursor, sensor_name="request_sensor")
                    started = time.perf_counter()
                    result = claim_requests(context, database, BATCH)
                    durations.append(time.perf_counter() - started)
                    sizes.append(len(result.run_requests or []))
                    cursor = result.cursor
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
    }


if __name__ == "__main__":
    print(run())
