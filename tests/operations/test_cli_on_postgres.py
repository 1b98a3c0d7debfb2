"""`video-assets demo` and `status` as an operator runs them against a production database and object store:
the settings come only from the environment, and the request goes through the request sensor's claim."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
from sqlalchemy import select

from tests.media_samples import clip, photo
from tests.operations.cli_process import cli_env, run_cli
from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo
from video_assets.db.repository import get_request


def test_demo_on_postgres_and_s3_claims_through_the_sensor_renders_to_the_bucket_and_status_reads_it_back(
    postgres_url: str, s3_endpoint: str, s3_store, tmp_path: Path
) -> None:
    materials = tmp_path / "materials"
    photo("rocket", materials / "rocket.jpg")
    clip(materials / "bars.mp4", 640, 360, seconds=3, source="smptebars")
    request = {
        "title": "火箭",
        "markdown": "# 火箭\n\n火箭模型立在桌上。\n\n彩条画面用于设备自检。",
        "materials": [{"uri": str(materials / "rocket.jpg")}, {"uri": str(materials / "bars.mp4")}],
        "video_count": 1,
        "aspect": "1:1",
        "target_duration": 12,
    }
    (tmp_path / "request.json").write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    home = tmp_path / "home"
    env = cli_env(home, postgres_url, s3_endpoint, s3_store.bucket, [materials])

    demo = run_cli(env, "demo", str(tmp_path / "request.json"))

    assert demo.returncode == 0, demo.stdout + demo.stderr
    request_id = demo.stderr.split("submitted ", 1)[1].split()[0]
    assert f"request sensor launched: {request_id}" in demo.stderr
    assert f"s3://{s3_store.bucket}/requests/{request_id}/" in demo.stdout
    with session_scope(postgres_url) as session:
        row = get_request(session, request_id)
        videos = list(session.scalars(select(RenderedVideo).filter_by(request_id=request_id)))
    assert (row.status, row.claimed_by) == ("completed", "request_sensor")
    assert [v.status for v in videos] == ["ready"] and s3_store.exists(videos[0].video_key)
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs()
    assert [(run.status, run.tags.get("dagster/partition")) for run in runs] == [
        (dg.DagsterRunStatus.SUCCESS, request_id)
    ]

    status = run_cli(env, "status", request_id, "--json")

    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["status"] == "completed"
    assert [(v["variant"], v["status"], v["video_key"]) for v in report["videos"]] == [
        (0, "ready", videos[0].video_key)
    ]
