"""Operators' recovery paths through the real CLI processes, on real Postgres and the S3 server."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from resources.database import DatabaseResource
from sensors.requests import claim_requests
from tests.media_samples import clip, photo
from tests.operations.cli_process import cli_env, run_cli, start_cli, submit_file, wait_for
from video_assets.db.engine import session_scope
from video_assets.db.models import DeadLetter, MediaItem, RenderedVideo, VideoScript
from video_assets.db.repository import get_request

ARTICLE = "# 实验室\n\n宇航员检查火箭模型。\n\n彩条画面用于设备自检。\n\n咖啡之后开始工作。"


@pytest.fixture
def materials(tmp_path: Path) -> Path:
    root = tmp_path / "materials"
    photo("astronaut", root / "astronaut.jpg")
    photo("rocket", root / "rocket.jpg")
    clip(root / "bars.mp4", 640, 360, seconds=3, source="smptebars")
    return root


def request_for(materials: Path, **fields: object) -> dict:
    return {
        "title": "实验室",
        "markdown": ARTICLE,
        "materials": [{"uri": str(materials / name)} for name in ("astronaut.jpg", "rocket.jpg", "bars.mp4")],
        "video_count": 2,
        "aspect": "1:1",
        "target_duration": 20,
        **fields,
    }


@dataclass
class RunningRequest:
    home: Path
    env: dict[str, str]
    request_id: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def run_settings() -> dict[str, str]:
    return {}


@pytest.fixture
def running(
    postgres_url: str,
    s3_endpoint: str,
    s3_store,
    materials: Path,
    tmp_path: Path,
    run_settings: dict[str, str],
) -> Iterator[RunningRequest]:
    """A submitted request whose `video-assets run` is going on in the background; killed at the end if needed."""
    home = tmp_path / "home"
    env = cli_env(home, postgres_url, s3_endpoint, s3_store.bucket, [materials]) | run_settings
    request_id = submit_file(env, request_for(materials), tmp_path)
    process = start_cli(env, "run", request_id, log=tmp_path / "run.log")
    yield RunningRequest(home, env, request_id, process)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def dagster_instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(home / "dagster"))


def test_every_variant_failing_fails_the_run_with_a_dead_letter_and_retry_completes_it_after_the_fix(
    postgres_url: str, s3_endpoint: str, s3_store, materials: Path, tmp_path: Path
) -> None:
    logo = photo("coffee", materials / "logo.png", size=(200, 200))  # submit refuses a missing local watermark
    env = cli_env(tmp_path / "home", postgres_url, s3_endpoint, s3_store.bucket, [materials])
    request_id = submit_file(env, request_for(materials, watermark={"image_uri": str(logo)}), tmp_path)
    logo.unlink()  # gone after submit: every variant's render fails on it

    first = run_cli(env, "run", request_id)

    assert first.returncode == 1, first.stdout + first.stderr
    assert "Could not parse SQLAlchemy URL" not in first.stderr
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        letters = list(session.scalars(select(DeadLetter).filter_by(request_id=request_id)))
    assert request.status == "failed" and "logo.png" in request.error
    assert len(letters) == 1 and letters[0].stage == "rendered_videos" and letters[0].resolved_at is None
    with dagster_instance(tmp_path / "home") as instance:
        assert [run.status for run in instance.get_runs()] == [dg.DagsterRunStatus.FAILURE]
    listed = run_cli(env, "dead-letters")
    assert request_id in listed.stdout and "logo.png" in listed.stdout

    photo("coffee", logo, size=(200, 200))
    second = run_cli(env, "retry", request_id)

    assert second.returncode == 0, second.stdout + second.stderr
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        videos = list(session.scalars(select(RenderedVideo).filter_by(request_id=request_id)))
        letter = session.scalars(select(DeadLetter).filter_by(request_id=request_id)).one()
        items = session.scalar(select(func.count()).select_from(MediaItem).filter_by(request_id=request_id))
    assert request.status == "completed"
    assert sorted((v.variant_index, v.status) for v in videos) == [(0, "ready"), (1, "ready")], (
        first.stdout + second.stdout
    )
    assert all(s3_store.exists(v.video_key) for v in videos)
    assert letter.resolved_at is not None and items == 3
    assert "no dead letters" in run_cli(env, "dead-letters").stdout
    with dagster_instance(tmp_path / "home") as instance:
        media_runs = instance.fetch_materializations(dg.AssetKey("media_items"), limit=10).records
    assert len(media_runs) == 1  # the retry started at rendered_videos


def test_a_run_killed_mid_render_is_resumed_by_retry_without_redoing_finished_work(
    postgres_url: str, s3_store, running: RunningRequest
) -> None:
    home, env = running.home, running.env
    request_id, process = running.request_id, running.process

    def second_variant_rendering() -> bool:
        with session_scope(postgres_url) as session:
            statuses = dict(
                session.execute(
                    select(RenderedVideo.variant_index, RenderedVideo.status).filter_by(request_id=request_id)
                ).all()
            )
        return statuses.get(0) == "ready" and statuses.get(1) == "rendering"

    wait_for(second_variant_rendering, 300, "v0 ready and v1 rendering")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    with session_scope(postgres_url) as session:
        assert get_request(session, request_id).status == "processing"
        first_v0 = session.scalars(select(RenderedVideo).filter_by(request_id=request_id, variant_index=0)).one()
    assert any((home / "tmp" / request_id).iterdir()), "the killed step leaves its working dir behind"

    retried = run_cli(env, "retry", request_id)

    assert retried.returncode == 0, retried.stdout + retried.stderr
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        videos = {v.variant_index: v for v in session.scalars(select(RenderedVideo).filter_by(request_id=request_id))}
        scripts = session.scalar(select(func.count()).select_from(VideoScript).filter_by(request_id=request_id))
        items = session.scalar(select(func.count()).select_from(MediaItem).filter_by(request_id=request_id))
    assert request.status == "completed" and (scripts, items, len(videos)) == (2, 3, 2)
    assert videos[1].status == "ready"
    # v0 was not rendered again (the export stage later adds its zips to the row, so updated_at moves).
    kept = ("render_seconds", "stage_seconds", "video_key", "duration", "size_bytes")
    assert [getattr(videos[0], name) for name in kept] == [getattr(first_v0, name) for name in kept]
    with dagster_instance(home) as instance:
        assert len(instance.fetch_materializations(dg.AssetKey("media_items"), limit=10).records) == 1
        assert len(instance.fetch_materializations(dg.AssetKey("video_scripts"), limit=10).records) == 1

    housekeeping = run_cli(env, "housekeeping", "--grace-seconds", "0")

    assert housekeeping.returncode == 0, housekeeping.stdout + housekeeping.stderr
    assert not (home / "tmp" / request_id).exists()


# A render slow enough that the `cancel` process, seconds of imports on a loaded machine, lands while it runs.
@pytest.mark.parametrize("run_settings", [{"VIDEO_ASSETS_RENDER_PRESET": "veryslow"}])
def test_cancel_terminates_the_in_flight_run_and_no_sensor_tick_relaunches_it(
    postgres_url: str, s3_store, running: RunningRequest
) -> None:
    home, env = running.home, running.env
    request_id, process = running.request_id, running.process

    def rendering() -> bool:
        with session_scope(postgres_url) as session:
            return get_request(session, request_id).stage == "rendered_videos"

    wait_for(rendering, 300, "the render stage")
    cancelled = run_cli(env, "cancel", request_id)

    assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
    assert process.wait(timeout=60) != 0
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        letters = session.scalar(select(func.count()).select_from(DeadLetter).filter_by(request_id=request_id))
    assert request.status == "cancelled" and letters == 0
    with dagster_instance(home) as instance:
        run = instance.get_runs()[0]
        assert run.is_finished and run.status != dg.DagsterRunStatus.SUCCESS
    database = DatabaseResource(url=postgres_url)
    with dg.DagsterInstance.ephemeral() as instance:
        tick = claim_requests(dg.build_sensor_context(instance=instance, sensor_name="request_sensor"), database, 50)
    assert not tick.run_requests
    again = run_cli(env, "cancel", request_id)
    assert again.returncode == 2 and "already ended" in again.stderr
