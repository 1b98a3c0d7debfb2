"""The stalled-run sensor, called as the daemon calls it, on a real instance and real Postgres."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta

import dagster as dg
import pytest
from sqlalchemy import update

from resources.database import DatabaseResource
from sensors.launch import HOST_TAG, PID_TAG
from sensors.stalled_runs import stalled_run_sensor
from tests.pipeline.helpers import submit
from tests.production.runs import started_run, status_of
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest, utcnow
from video_assets.db.repository import start_stage

ASSET_JOB = "__ASSET_JOB"  # what the UI's "Materialize" and asset backfills launch
STALE = 600  # seconds: far beyond the default 60 s threshold
FRESH = 5


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    # Run retries as dagster.yaml configures them, so the test sees whether the daemon would retry a failed run.
    with dg.instance_for_test(overrides={"run_retries": {"enabled": True, "max_retries": 2}}) as instance:
        yield instance


def processing_request(database_url: str, heartbeat_seconds_ago: float) -> str:
    request_id = submit(database_url)
    with session_scope(database_url) as session:
        start_stage(session, request_id, "rendered_videos")
        session.execute(
            update(VideoRequest)
            .where(VideoRequest.id == request_id)
            .values(heartbeat_at=utcnow() - timedelta(seconds=heartbeat_seconds_ago))
        )
    return request_id


def tick(instance: dg.DagsterInstance, database_url: str) -> str:
    context = dg.build_sensor_context(instance=instance, resources={"database": DatabaseResource(url=database_url)})
    result = stalled_run_sensor(context)
    assert isinstance(result, dg.SkipReason)
    return result.skip_message or ""


def failure_message(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    [failure] = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.PIPELINE_FAILURE)
    return failure.message


def test_a_started_run_with_a_stale_heartbeat_is_failed_for_run_retries_and_a_fresh_one_is_left_alone(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    dead_request = processing_request(postgres_url, heartbeat_seconds_ago=STALE)
    busy_request = processing_request(postgres_url, heartbeat_seconds_ago=FRESH)
    dead = started_run(instance, dead_request, seconds_ago=STALE)
    busy = started_run(instance, busy_request, seconds_ago=STALE)

    summary = tick(instance, postgres_url)

    assert status_of(instance, dead).status == dg.DagsterRunStatus.FAILURE
    assert f"no heartbeat from request {dead_request}" in failure_message(instance, dead)
    assert dead.run_id in summary
    # Not a step failure, so run retries (retry_on_asset_or_op_failure: false) re-execute it from failure.
    assert status_of(instance, dead).tags["dagster/will_retry"] == "true"
    assert status_of(instance, busy).status == dg.DagsterRunStatus.STARTED


def test_a_stalled_run_of_the_asset_job_launched_by_a_ui_backfill_is_failed_like_a_pipeline_run(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    request_id = processing_request(postgres_url, heartbeat_seconds_ago=STALE)
    run = started_run(
        instance, request_id, seconds_ago=STALE, tags={"dagster/backfill": "bkfl0001"}, job_name=ASSET_JOB
    )

    tick(instance, postgres_url)

    assert run.job_name == ASSET_JOB
    assert status_of(instance, run).status == dg.DagsterRunStatus.FAILURE
    assert f"no heartbeat from request {request_id}" in failure_message(instance, run)


def test_a_run_started_within_the_threshold_is_not_failed_before_its_first_heartbeat(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    request_id = submit(postgres_url)  # no stage has begun: no heartbeat yet
    run = started_run(instance, request_id, seconds_ago=FRESH)

    assert tick(instance, postgres_url) == "no stalled runs"
    assert status_of(instance, run).status == dg.DagsterRunStatus.STARTED


def test_a_run_whose_step_waits_for_a_pool_slot_is_not_failed_for_its_silence(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    request_id = processing_request(postgres_url, heartbeat_seconds_ago=STALE)
    run = started_run(instance, request_id, seconds_ago=STALE)
    storage = instance.event_log_storage
    storage.set_concurrency_slots("render", 1)
    storage.claim_concurrency_slot("render", "another-run", "render_one[v0]")
    assert not storage.claim_concurrency_slot("render", run.run_id, "render_one[v0]").is_claimed

    tick(instance, postgres_url)

    assert status_of(instance, run).status == dg.DagsterRunStatus.STARTED


def test_a_cli_run_on_this_host_whose_process_has_exited_is_failed_at_once(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    exited = subprocess.Popen(["true"])
    exited.wait()
    request_id = processing_request(postgres_url, heartbeat_seconds_ago=0)
    run = started_run(
        instance, request_id, seconds_ago=1, tags={HOST_TAG: socket.gethostname(), PID_TAG: str(exited.pid)}
    )

    tick(instance, postgres_url)

    assert status_of(instance, run).status == dg.DagsterRunStatus.FAILURE
    assert f"pid {exited.pid}" in failure_message(instance, run)


def test_the_pool_slots_of_a_stalled_run_are_freed_for_its_retry(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    request_id = processing_request(postgres_url, heartbeat_seconds_ago=STALE)
    run = started_run(instance, request_id, seconds_ago=STALE)
    storage = instance.event_log_storage
    storage.set_concurrency_slots("render", 2)
    for step in ("render_one[v0]", "render_one[v1]"):
        assert storage.claim_concurrency_slot("render", run.run_id, step).is_claimed

    tick(instance, postgres_url)

    assert status_of(instance, run).status == dg.DagsterRunStatus.FAILURE
    assert storage.get_concurrency_info("render").claimed_slots == []
