"""Scale-out on Dagster's Celery executor with the real Redis broker: `VIDEO_ASSETS_EXECUTOR=celery scripts/prod.sh up`
starts one worker per queue, the test starts a second `video_generation` worker with the documented command, and a
request's three render steps spread over both. One render worker is SIGKILLed mid-render: its step runs again on
the other worker, in the same run, and the request completes with one row and one upload per video."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from sqlalchemy import select

from sensors.liveness import process_exists
from tests.e2e.deployment import REPO, TERMINAL, Deployment, deployed
from tests.harness.processes import process_tree
from tests.harness.redis_db import empty, free_redis_url
from tests.operations.cli_process import wait_for
from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo, VideoRequest

# Longer than any render step here, so a live worker's task is never handed out twice; short enough for the test.
VISIBILITY_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    url = free_redis_url()
    empty(url)
    yield url
    empty(url)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Deployment]:
    settings = {
        "VIDEO_ASSETS_EXECUTOR": "celery",
        "VIDEO_ASSETS_CELERY_BROKER": redis_url,
        "VIDEO_ASSETS_CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT_SECONDS),
    }
    with deployed(tmp_path_factory.mktemp("celery-home"), settings) as running:
        yield running


@pytest.fixture
def second_render_worker(deployment: Deployment) -> Iterator[subprocess.Popen[bytes]]:
    """The README's worker command, as an operator adds a machine's worker; killed with its tree at the end."""
    log = deployment.home / "prod" / "logs" / "worker-video_generation-2.log"
    bin_dir = Path(sys.executable).parent  # dagster-celery starts `celery` from PATH
    env = {**deployment.env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    command = [
        *(str(bin_dir / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app"),
        *("-y", str(deployment.home / "prod" / "celery.yaml"), "-q", "video_generation", "-n", "video_generation-2"),
        *("--", "--concurrency", "1"),
    ]
    with log.open("wb") as output:
        worker = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )

    def ready() -> bool:
        assert worker.poll() is None, log.read_text()
        return "video_generation-2@" in log.read_text() and " ready" in log.read_text()

    wait_for(ready, 120, "worker 2")
    yield worker
    if worker.poll() is None:
        for pid in process_tree([worker.pid]):
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)


def bucket_client(deployment: Deployment):  # noqa: ANN201 - boto3 clients have no public type
    return boto3.client(
        "s3",
        endpoint_url=deployment.env["VIDEO_ASSETS_S3_ENDPOINT_URL"],
        aws_access_key_id=deployment.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=deployment.env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )


def test_three_variants_render_across_two_workers_and_a_killed_workers_step_runs_again_on_the_other(
    deployment: Deployment, second_render_worker: subprocess.Popen[bytes]
) -> None:
    s3, bucket = bucket_client(deployment), deployment.env["VIDEO_ASSETS_S3_BUCKET"]
    # Versioning keeps every upload of a key, so a second upload of the same video would show.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    request_id = deployment.submit("分布式", video_count=3, target_duration=20)

    def run_id() -> str | None:
        with session_scope(deployment.database_url) as session:
            request = session.get(VideoRequest, request_id)
            return request.dagster_run_id if request is not None else None

    log = deployment.home / "prod" / "logs" / "worker-video_generation-2.log"

    def rendering_on_worker_two() -> int | None:
        """The variant worker 2 is rendering now (read off its own log, which is quicker than the webserver)."""
        started = re.findall(r"render_one\[v(\d+)\] - STEP_START", log.read_text())
        if not started or f"render_one[v{started[-1]}] - STEP_SUCCESS" in log.read_text():
            return None
        variant = int(started[-1])
        with session_scope(deployment.database_url) as session:
            row = session.scalars(select(RenderedVideo).filter_by(request_id=request_id, variant_index=variant)).first()
        return variant if row is not None and row.status == "rendering" else None

    wait_for(lambda: rendering_on_worker_two() is not None, 600, "worker 2 rendering a variant")
    victim_variant = rendering_on_worker_two()
    assert victim_variant is not None
    killed_at = time.monotonic()
    victims = process_tree([second_render_worker.pid])
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    second_render_worker.wait(timeout=30)

    wait_for(lambda: deployment.statuses([request_id])[request_id] in TERMINAL, 900, "a terminal request")
    recovered = time.monotonic() - killed_at

    assert deployment.statuses([request_id]) == {request_id: "completed"}
    assert not [pid for pid in victims if process_exists(pid)]
    workers = deployment.graphql.celery_workers(run_id() or "")
    renders = [(step, worker.split("@")[0]) for step, worker in workers if ".render_one[" in step]
    victim_step = f"rendered_videos.render_one[v{victim_variant}]"
    killed_attempt = renders.index((victim_step, "video_generation-2"))
    assert (victim_step, "video_generation-1") in renders[killed_attempt + 1 :], renders
    assert {worker for _, worker in renders} == {"video_generation-1", "video_generation-2"}
    assert {worker.split("@")[0] for step, worker in workers if step.startswith("media_items")} == {
        "video_processing-1"
    }
    with session_scope(deployment.database_url) as session:
        videos = list(session.scalars(select(RenderedVideo).filter_by(request_id=request_id)))
    assert sorted((v.variant_index, v.status) for v in videos) == [(0, "ready"), (1, "ready"), (2, "ready")]
    versions = s3.list_object_versions(Bucket=bucket, Prefix=f"requests/{request_id}/").get("Versions", [])
    uploads: dict[str, int] = {}
    for version in versions:
        uploads[version["Key"]] = uploads.get(version["Key"], 0) + 1
    for video in videos:
        assert uploads.get(video.video_key) == 1, (video.video_key, uploads)
    print(
        f"celery: v{victim_variant} killed on video_generation-2, re-run on video_generation-1; "
        f"request completed {recovered:.1f} s after the kill (visibility timeout {VISIBILITY_TIMEOUT_SECONDS} s)"
    )


def test_the_render_pool_still_bounds_render_steps_across_celery_workers(
    deployment: Deployment, second_render_worker: subprocess.Popen[bytes]
) -> None:
    """dagster#32411 reported the Celery executor ignoring pools; on 1.13.27 its loop claims pool slots itself."""
    dagster = str(Path(sys.executable).parent / "dagster")
    limit = subprocess.run([dagster, "instance", "concurrency", "set", "render", "1"], env=deployment.env, timeout=60)
    assert limit.returncode == 0
    try:
        request_id = deployment.submit("池", video_count=2, target_duration=15)
        wait_for(lambda: deployment.statuses([request_id])[request_id] in TERMINAL, 600, "a terminal request")
    finally:
        subprocess.run([dagster, "instance", "concurrency", "set", "render", "2"], env=deployment.env, timeout=60)

    assert deployment.statuses([request_id]) == {request_id: "completed"}
    with session_scope(deployment.database_url) as session:
        run_id = session.get(VideoRequest, request_id).dagster_run_id
    renders = sorted(
        (step["startTime"], step["endTime"])
        for step in deployment.graphql.step_stats(run_id)
        if ".render_one[" in step["stepKey"]
    )
    assert len(renders) == 2
    (_, first_end), (second_start, _) = renders
    assert second_start >= first_end, f"two render steps overlapped under a pool limit of 1: {renders}"
