"""First use of a fresh embedded home by many processes at once: the schema is migrated once, under a file lock."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sqlalchemy import select

from tests.operations.cli_process import CLI
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest
from video_assets.settings import sqlite_url

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "request.json"
# Enough to race on the migration and the SQLite writer lock; each is a full CLI start-up (about 2 s of CPU).
PROCESSES = 8


def test_concurrent_first_submits_on_a_fresh_home_all_succeed_with_distinct_ids(tmp_path: Path) -> None:
    home = tmp_path / "home"
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    files = []
    for index in range(PROCESSES):
        path = tmp_path / f"request-{index}.json"
        path.write_text(json.dumps({**request, "idempotency_key": f"first-use-{index}"}, ensure_ascii=False))
        files.append(path)
    env = {**os.environ, "VIDEO_ASSETS_HOME": str(home), "DAGSTER_HOME": ""}
    env.pop("VIDEO_ASSETS_DATABASE_URL", None)  # the embedded SQLite default under the fresh home

    processes = [
        subprocess.Popen([CLI, "submit", str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for path in files
    ]
    outputs = [process.communicate(timeout=600) for process in processes]
    results = [(process.returncode, *output) for process, output in zip(processes, outputs, strict=True)]

    failures = [stderr for code, _, stderr in results if code != 0]
    assert failures == []
    ids = {stdout.strip() for _, stdout, _ in results}
    assert len(ids) == PROCESSES and all(request_id.startswith("req_") for request_id in ids)
    with session_scope(sqlite_url(home)) as session:
        stored = set(session.scalars(select(VideoRequest.id)))
    assert stored == ids
