"""The demo request (examples/request.json) from submit to completed, twice in one run: in-process on the embedded
defaults (`video-assets demo`: SQLite, local store) and in production mode (`scripts/prod.sh up`: the daemon's sensor
claims it, the run queue launches a run worker, Postgres and the S3 server). The gap is the deployment's own cost:
sensor interval, queue, run-worker start-up, gRPC, S3 round trips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from video_assets.db.engine import session_scope  # noqa: E402
from video_assets.db.repository import get_request  # noqa: E402
from video_assets.settings import sqlite_url  # noqa: E402

BIN = Path(sys.executable).parent
REQUEST = REPO / "examples" / "request.json"
MEDIA = REPO / "examples" / "media"
TERMINAL = {"completed", "partial_success", "failed", "cancelled"}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "video-assets"), *args], env=env, capture_output=True, text=True, check=True)


def submit_to_done(database_url: str, request_id: str) -> tuple[str, float]:
    with session_scope(database_url) as session:
        row = get_request(session, request_id)
        return row.status, seconds_between(row.created_at, row.finished_at)


def status_of(database_url: str, request_id: str) -> str:
    with session_scope(database_url) as session:
        return get_request(session, request_id).status


def seconds_between(start: datetime, end: datetime | None) -> float:
    assert end is not None, "request never finished"
    return round((end - start).total_seconds(), 1)


def in_process(home: Path) -> dict[str, object]:
    env = {**os.environ, "VIDEO_ASSETS_HOME": str(home), "VIDEO_ASSETS_LOCAL_ROOTS": str(MEDIA)}
    for name in ("VIDEO_ASSETS_DATABASE_URL", "VIDEO_ASSETS_STORAGE", "VIDEO_ASSETS_MODE", "DAGSTER_HOME"):
        env.pop(name, None)
    started = time.perf_counter()
    demo = cli(env, "demo", str(REQUEST))
    wall = time.perf_counter() - started
    request_id = demo.stderr.split("submitted ", 1)[1].split()[0]
    status, seconds = submit_to_done(sqlite_url(home), request_id)
    return {"status": status, "submit_to_completed_s": seconds, "cli_wall_s": round(wall, 1)}


def production(home: Path) -> dict[str, object]:
    env = {**os.environ, "VIDEO_ASSETS_HOME": str(home), "VIDEO_ASSETS_LOCAL_ROOTS": str(MEDIA)}
    env["VIDEO_ASSETS_PROD_WEB_PORT"] = os.environ.get("VIDEO_ASSETS_PROD_WEB_PORT", "3123")
    prod = ["bash", str(REPO / "scripts" / "prod.sh")]
    started = time.perf_counter()
    subprocess.run([*prod, "up"], env={**env, "VENV": str(BIN.parent)}, check=True, capture_output=True)
    up_seconds = time.perf_counter() - started
    try:
        settings = dict(line.split("=", 1) for line in (home / "prod" / "env").read_text().splitlines() if "=" in line)
        prod_env = {**env, **settings}
        request_id = cli(prod_env, "submit", str(REQUEST)).stdout.strip()
        database_url = settings["VIDEO_ASSETS_DATABASE_URL"]
        deadline = time.monotonic() + 1800
        while status_of(database_url, request_id) not in TERMINAL and time.monotonic() < deadline:
            time.sleep(1)
        status, seconds = submit_to_done(database_url, request_id)
    finally:
        subprocess.run([*prod, "down"], env=env, check=True, capture_output=True)
    return {"status": status, "submit_to_completed_s": seconds, "prod_up_s": round(up_seconds, 1)}


def run() -> dict[str, object]:
    subprocess.run([sys.executable, str(REPO / "examples" / "prepare_media.py")], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="prod-bench-") as folder:
        embedded = in_process(Path(folder) / "embedded")
        deployed = production(Path(folder) / "production")
    ratio = deployed["submit_to_completed_s"] / embedded["submit_to_completed_s"]  # type: ignore[operator]
    return {"in_process": embedded, "production": deployed, "production_over_in_process": round(ratio, 2)}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
