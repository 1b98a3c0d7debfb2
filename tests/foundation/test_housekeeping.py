import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource
from sqlalchemy import select, update

from resources.database import DatabaseResource
from resources.object_store import ObjectStoreResource
from schedules.housekeeping import housekeeping_job, housekeeping_schedule
from sensors.launch import HOST_TAG, PID_TAG
from sensors.liveness import live_request_runs
from sensors.requests import PARTITION_TAG
from video_assets.db.engine import session_scope
from video_assets.db.maintenance import fail_stuck_request, finished_before, known_requests, stuck_requests
from video_assets.db.models import DeadLetter, MergeJob, VideoRequest
from video_assets.db.repository import create_request, get_request
from video_assets.definitions import defs
from video_assets.housekeeping import expire_temp_entries, expire_temp_objects, request_dir_ids
from video_assets.partitions import request_partitions
from video_assets.request_schema import VideoRequestSpec
from video_assets.storage import ObjectStore, S3ObjectStore, request_key

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp-dir op reads VIDEO_ASSETS_HOME; no test may ever point it at the working tree's own home."""
    monkeypatch.setenv("VIDEO_ASSETS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def add_request(
    database_url: str,
    status: str,
    stage: str | None = None,
    updated_ago: timedelta = timedelta(0),
    finished_ago: timedelta | None = None,
) -> str:
    """A request created the normal way, then moved to `status` with backdated timestamps."""
    spec = VideoRequestSpec.model_validate({"title": "标题", "markdown": "# 文章\n\n正文。"})
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        request_id, _ = create_request(session, spec)
    with session_scope(database_url) as session:
        session.execute(
            update(VideoRequest)
            .where(VideoRequest.id == request_id)
            .values(
                status=status,
                stage=stage,
                updated_at=now - updated_ago,
                finished_at=now - finished_ago if finished_ago is not None else None,
            )
        )
    return request_id


def add_merge_job(database_url: str, request_id: str, state: str) -> None:
    with session_scope(database_url) as session:
        session.add(
            MergeJob(
                request_id=request_id,
                variant_index=0,
                external_job_id=f"ext-{request_id}",
                state=state,
                deadline=datetime.now(UTC) + HOUR,
            )
        )


@dg.op
def pipeline_step() -> None:
    pass


@dg.job
def pipeline_stand_in() -> None:
    """Only the tags and status of a run matter to liveness, not what the run executes."""
    pipeline_step()


def add_run(
    instance: dg.DagsterInstance,
    request_id: str,
    status: dg.DagsterRunStatus = dg.DagsterRunStatus.STARTED,
    host: str | None = None,
    pid: int | None = None,
) -> str:
    tags = {PARTITION_TAG: request_id}
    if host is not None and pid is not None:
        tags |= {HOST_TAG: host, PID_TAG: str(pid)}
    return instance.create_run_for_job(pipeline_stand_in, tags=tags, status=status).run_id


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped, so it certainly no longer exists."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def backdate(path: Path, age: timedelta) -> None:
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))


def s3_resource(store: S3ObjectStore, endpoint: str) -> ObjectStoreResource:
    return ObjectStoreResource(
        backend="s3", bucket=store.bucket, s3=S3Resource(endpoint_url=endpoint, region_name="us-east-1")
    )


def run_housekeeping(
    instance: dg.DagsterInstance,
    database_url: str,
    object_store: ObjectStoreResource,
    config: dict[str, dict[str, Any]] | None = None,
) -> dg.ExecuteInProcessResult:
    result = housekeeping_job.execute_in_process(
        instance=instance,
        resources={"database": DatabaseResource(url=database_url), "object_store": object_store},
        run_config={"ops": {op: {"config": values} for op, values in (config or {}).items()}},
    )
    assert result.success
    return result


def op_metadata(result: dg.ExecuteInProcessResult, op: str) -> dict[str, Any]:
    [output] = [event for event in result.all_events if event.step_key == op and event.is_successful_output]
    return {name: value.value for name, value in output.step_output_data.metadata.items()}


def status_of(database_url: str, request_id: str) -> tuple[str, str | None]:
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        return request.status, request.error


def test_schedule_runs_the_housekeeping_job_hourly_with_default_config_and_starts_running() -> None:
    [run_request] = housekeeping_schedule.evaluate_tick(dg.build_schedule_context()).run_requests
    assert run_request.job_name in (None, housekeeping_job.name)
    assert not run_request.run_config
    assert housekeeping_schedule.name == "housekeeping_schedule"
    assert housekeeping_schedule.cron_schedule == "17 * * * *"
    assert housekeeping_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert housekeeping_schedule in list(defs.schedules or [])


def test_temp_dirs_of_settled_requests_are_removed_and_live_or_fresh_ones_kept(
    home: Path,
    instance: dg.DagsterInstance,
    postgres_url: str,
    s3_store: S3ObjectStore,
    s3_endpoint: str,
) -> None:
    finished_long_ago = add_request(postgres_url, "completed", updated_ago=HOUR, finished_ago=timedelta(minutes=5))
    finished_just_now = add_request(postgres_url, "failed", finished_ago=timedelta(seconds=5))
    running = add_request(postgres_url, "processing", stage="rendered_videos")
    running_untouched_for_days = add_request(postgres_url, "processing", stage="media_items")
    tmp = home / "tmp"
    for request_id in (finished_long_ago, finished_just_now, running, running_untouched_for_days, "req_not_in_db"):
        (tmp / request_id / "rendered_videos-v0-abc123").mkdir(parents=True)
        (tmp / request_id / "rendered_videos-v0-abc123" / "scene.mp4").write_bytes(b"x")
    backdate(tmp / running_untouched_for_days, 2 * DAY)
    (tmp / "stale.part").write_bytes(b"x")
    backdate(tmp / "stale.part", 2 * DAY)
    (tmp / "fresh.part").write_bytes(b"x")

    result = run_housekeeping(
        instance, postgres_url, s3_resource(s3_store, s3_endpoint), {"expire_temp_dirs": {"grace_seconds": 60}}
    )

    assert sorted(path.name for path in tmp.iterdir()) == sorted([finished_just_now, running, "fresh.part"])
    removed = sorted([finished_long_ago, running_untouched_for_days, "req_not_in_db", "stale.part"])
    metadata = op_metadata(result, "expire_temp_dirs")
    assert (metadata["removed"], metadata["removed_entries"]) == (4, removed)
    assert metadata["unknown_requests"] == ["req_not_in_db"]


def test_stuck_requests_are_failed_with_a_dead_letter_unless_something_still_works_on_them(
    instance: dg.DagsterInstance, postgres_url: str, s3_store: S3ObjectStore, s3_endpoint: str
) -> None:
    def quiet(status: str = "processing", stage: str | None = "media_analyses") -> str:
        return add_request(postgres_url, status, stage=stage, updated_ago=2 * HOUR)

    orphan, queued_orphan, cancelled_run = quiet(), quiet("queued", stage=None), quiet()
    add_run(instance, cancelled_run, status=dg.DagsterRunStatus.CANCELED)
    died_with_cli = quiet()
    dead_run_id = add_run(instance, died_with_cli, host=socket.gethostname(), pid=dead_pid())
    with session_scope(postgres_url) as session:  # as its stage recorded it, without touching updated_at
        session.execute(
            update(VideoRequest)
            .where(VideoRequest.id == died_with_cli)
            .values(dagster_run_id=dead_run_id, updated_at=VideoRequest.updated_at)
        )
    daemon_run, live_cli, other_host_cli, merging = quiet(), quiet(), quiet(), quiet("processing", "rendered_videos")
    add_run(instance, daemon_run)
    add_run(instance, live_cli, host=socket.gethostname(), pid=os.getpid())
    add_run(instance, other_host_cli, host="render-2.internal", pid=dead_pid())
    add_merge_job(postgres_url, merging, "pending")
    recently_updated = add_request(postgres_url, "processing", stage="media_items", updated_ago=timedelta(minutes=10))

    result = run_housekeeping(instance, postgres_url, s3_resource(s3_store, s3_endpoint))

    failed = sorted([orphan, queued_orphan, cancelled_run, died_with_cli])
    for request_id in failed:
        assert status_of(postgres_url, request_id)[0] == "failed"
    for request_id in (daemon_run, live_cli, other_host_cli, merging, recently_updated):
        assert status_of(postgres_url, request_id) == ("processing", None)
    reason = status_of(postgres_url, died_with_cli)[1] or ""
    assert reason.startswith("stuck in processing at stage media_analyses with no live run since ")
    assert reason.endswith(f"; resume with `video-assets retry {died_with_cli}`")
    assert (status_of(postgres_url, queued_orphan)[1] or "").startswith("stuck in queued with no live run since ")
    with session_scope(postgres_url) as session:
        letters = {letter.request_id: letter for letter in session.scalars(select(DeadLetter))}
    assert sorted(letters) == failed
    assert (letters[died_with_cli].run_id, letters[died_with_cli].stage) == (dead_run_id, "media_analyses")
    assert letters[orphan].run_id == result.run_id
    metadata = op_metadata(result, "fail_stuck_requests")
    assert (metadata["quiet"], metadata["failed"], metadata["failed_requests"]) == (7, 4, failed)
    assert metadata["live_requests"] == sorted([daemon_run, live_cli, other_host_cli])


def test_only_in_flight_runs_whose_process_may_still_exist_count_as_live(instance: dg.DagsterInstance) -> None:
    add_run(instance, "req_daemon")
    add_run(instance, "req_cli_alive", host=socket.gethostname(), pid=os.getpid())
    add_run(instance, "req_cli_dead", host=socket.gethostname(), pid=dead_pid())
    add_run(instance, "req_other_host", host="render-2.internal", pid=dead_pid())
    add_run(instance, "req_starting", status=dg.DagsterRunStatus.STARTING)
    add_run(instance, "req_done", status=dg.DagsterRunStatus.SUCCESS)
    add_run(instance, "req_retried", status=dg.DagsterRunStatus.FAILURE)
    add_run(instance, "req_retried")
    asked = ["req_daemon", "req_cli_alive", "req_cli_dead", "req_other_host", "req_starting", "req_done", "req_retried"]
    assert live_request_runs(instance, asked + ["req_without_runs"]) == {
        "req_daemon",
        "req_cli_alive",
        "req_other_host",
        "req_starting",
        "req_retried",
    }
    assert live_request_runs(instance, []) == set()


def test_only_partitions_of_requests_finished_before_the_retention_are_deleted(
    instance: dg.DagsterInstance, postgres_url: str, s3_store: S3ObjectStore, s3_endpoint: str
) -> None:
    old_completed = add_request(postgres_url, "completed", updated_ago=40 * DAY, finished_ago=40 * DAY)
    old_failed = add_request(postgres_url, "failed", updated_ago=31 * DAY, finished_ago=31 * DAY)
    young_completed = add_request(postgres_url, "completed", finished_ago=DAY)
    processing = add_request(postgres_url, "processing", stage="media_items")
    old_but_retrying = add_request(postgres_url, "failed", finished_ago=40 * DAY)
    add_run(instance, old_but_retrying)
    old_without_partition = add_request(postgres_url, "completed", finished_ago=40 * DAY)
    kept = [young_completed, processing, old_but_retrying, "req_not_in_db"]
    instance.add_dynamic_partitions(request_partitions.name, [old_completed, old_failed, *kept])

    result = run_housekeeping(instance, postgres_url, s3_resource(s3_store, s3_endpoint))

    assert sorted(instance.get_dynamic_partitions(request_partitions.name)) == sorted(kept)
    metadata = op_metadata(result, "delete_expired_partitions")
    assert (metadata["deleted"], metadata["deleted_partitions"]) == (2, sorted([old_completed, old_failed]))
    assert metadata["remaining"] == len(kept)
    with session_scope(postgres_url) as session:
        assert known_requests(session, [old_completed, old_failed, old_without_partition]) == {
            old_completed,
            old_failed,
            old_without_partition,
        }


def test_a_shorter_partition_retention_from_config_deletes_younger_partitions(
    instance: dg.DagsterInstance, postgres_url: str, s3_store: S3ObjectStore, s3_endpoint: str
) -> None:
    two_days = add_request(postgres_url, "partial_success", finished_ago=2 * DAY)
    today = add_request(postgres_url, "cancelled", finished_ago=HOUR)
    instance.add_dynamic_partitions(request_partitions.name, [two_days, today])
    run_housekeeping(
        instance,
        postgres_url,
        s3_resource(s3_store, s3_endpoint),
        {"delete_expired_partitions": {"partition_retention_days": 1}},
    )
    assert instance.get_dynamic_partitions(request_partitions.name) == [today]


def test_only_temporary_objects_past_their_ttl_are_deleted_from_s3(
    instance: dg.DagsterInstance, postgres_url: str, s3_store: S3ObjectStore, s3_endpoint: str
) -> None:
    temporary = [request_key("req_a", "tmp", "merge", "scene-0.mp4"), request_key("req_b", "tmp", "bg.jpg")]
    lasting = [
        request_key("req_a", "rendered_videos", "v0", "video.mp4"),
        request_key("req_a", "media_items", "tmp", "clip.mp4"),  # "tmp" below a real stage is not a tmp prefix
    ]
    for key in temporary + lasting:
        s3_store.put_bytes(key, b"x")
    store = s3_resource(s3_store, s3_endpoint)

    fresh = run_housekeeping(instance, postgres_url, store)
    assert op_metadata(fresh, "expire_temp_objects") == {"deleted": 0, "deleted_keys": []}
    assert s3_store.list("requests/") == sorted(temporary + lasting)

    time.sleep(1.1)  # S3 keeps whole seconds: every object is now over a second old
    expired = run_housekeeping(instance, postgres_url, store, {"expire_temp_objects": {"ttl_seconds": 1}})
    assert op_metadata(expired, "expire_temp_objects") == {"deleted": 2, "deleted_keys": sorted(temporary)}
    assert s3_store.list("requests/") == sorted(lasting)


def test_temp_objects_are_judged_by_their_own_age_in_both_backends(object_store: ObjectStore) -> None:
    old, lasting = request_key("req_a", "tmp", "old.bin"), request_key("req_a", "rendered_videos", "v0", "cover.jpg")
    object_store.put_bytes(old, b"x")
    object_store.put_bytes(lasting, b"x")
    time.sleep(1.1)  # S3 keeps whole seconds
    young = request_key("req_a", "tmp", "young.bin")
    object_store.put_bytes(young, b"x")
    modified = {obj.key: obj.last_modified for obj in object_store.list_objects("requests/")}
    # A clock an hour later, with the TTL's cutoff half a second after the old object was written.
    now = modified[old] + HOUR + timedelta(seconds=0.5)
    assert expire_temp_objects(object_store, ttl_seconds=3600, now=now) == [old]
    assert object_store.list("requests/") == sorted([lasting, young])
    assert expire_temp_objects(object_store, ttl_seconds=3600) == []


def test_settled_request_dirs_go_at_once_and_everything_else_only_once_untouched(tmp_path: Path) -> None:
    for name in ("req_done", "req_running", "req_stale"):
        (tmp_path / name / "render-x").mkdir(parents=True)
    (tmp_path / "req_done.part").write_bytes(b"x")
    backdate(tmp_path / "req_stale", 2 * DAY)
    assert request_dir_ids(tmp_path) == ["req_done", "req_running", "req_stale"]
    # a file named like a settled request is not its directory, so only the age rule applies to it
    removed = expire_temp_entries(tmp_path, {"req_done", "req_done.part"}, max_age_seconds=86400)
    assert removed == [tmp_path / "req_done", tmp_path / "req_stale"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["req_done.part", "req_running"]
    assert request_dir_ids(tmp_path / "missing") == [] and expire_temp_entries(tmp_path / "missing", set(), 1) == []


def test_maintenance_queries_compare_timestamps_on_both_databases(database_url: str) -> None:
    quiet = add_request(database_url, "processing", stage="video_scripts", updated_ago=2 * HOUR)
    merging = add_request(database_url, "queued", updated_ago=2 * HOUR)
    add_merge_job(database_url, merging, "importing")
    merge_done = add_request(database_url, "processing", stage="rendered_videos", updated_ago=2 * HOUR)
    add_merge_job(database_url, merge_done, "done")
    busy = add_request(database_url, "processing", stage="video_scripts", updated_ago=timedelta(minutes=1))
    old_done = add_request(database_url, "completed", finished_ago=2 * DAY)
    new_done = add_request(database_url, "completed", finished_ago=timedelta(minutes=1))
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        assert set(stuck_requests(session, now - HOUR)) == {quiet, merge_done}
        assert finished_before(session, [old_done, new_done, quiet, "req_unknown"], now - DAY) == {old_done}
        assert known_requests(session, [old_done, busy, "req_unknown"]) == {old_done, busy}
        # a request that moved on since it was found is left alone
        assert fail_stuck_request(session, busy, now - HOUR, fallback_run_id="housekeeping-run") is None
        reason = fail_stuck_request(session, quiet, now - HOUR, fallback_run_id="housekeeping-run")
    assert reason and reason.startswith("stuck in processing at stage video_scripts with no live run since ")
    assert status_of(database_url, quiet) == ("failed", reason)
