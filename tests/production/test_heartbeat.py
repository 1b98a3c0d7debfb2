"""The request heartbeat on real Postgres: the thread touches `heartbeat_at` while its block runs and stops with it."""

import threading
import time
from datetime import datetime

import dagster as dg
import pytest
from sqlalchemy import select

from resources.database import DatabaseResource
from tests.harness.postgres import free_port
from tests.operations.cli_process import wait_for
from tests.pipeline.helpers import submit
from video_assets.assets.common import begin_stage
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest
from video_assets.heartbeat import Heartbeat, HeartbeatSettings
from video_assets.partitions import request_partitions

FAST = HeartbeatSettings(interval_seconds=0.1, stalled_after_seconds=0.5)


def heartbeat_at(database_url: str, request_id: str) -> datetime | None:
    with session_scope(database_url) as session:
        return session.scalar(select(VideoRequest.heartbeat_at).where(VideoRequest.id == request_id))


def row(database_url: str, request_id: str) -> tuple[str, datetime]:
    with session_scope(database_url) as session:
        request = session.get(VideoRequest, request_id)
        assert request is not None
        return request.status, request.updated_at


def heartbeat_threads(request_id: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == f"heartbeat-{request_id}"]


def test_heartbeat_touches_the_request_while_its_block_runs_and_stops_when_the_block_exits(postgres_url: str) -> None:
    request_id = submit(postgres_url)
    before = row(postgres_url, request_id)
    assert heartbeat_at(postgres_url, request_id) is None

    with Heartbeat(postgres_url, request_id, FAST):
        wait_for(lambda: heartbeat_at(postgres_url, request_id) is not None, 10, "the first beat")
        first = heartbeat_at(postgres_url, request_id)
        wait_for(lambda: heartbeat_at(postgres_url, request_id) != first, 10, "a second beat")

    last = heartbeat_at(postgres_url, request_id)
    time.sleep(5 * FAST.interval_seconds)
    assert heartbeat_at(postgres_url, request_id) == last
    assert not heartbeat_threads(request_id)
    assert row(postgres_url, request_id) == before, "a beat writes the timestamp only, never the status"


def test_a_failed_beat_is_retried_by_the_next_and_never_raises() -> None:
    unreachable = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/nothing"
    with Heartbeat(unreachable, "req_unreachable", FAST):
        time.sleep(3 * FAST.interval_seconds)
        assert heartbeat_threads("req_unreachable"), "still beating"
    assert not heartbeat_threads("req_unreachable")


@dg.asset(partitions_def=request_partitions)
def stage_that_sees_two_beats(context: dg.AssetExecutionContext, database: DatabaseResource) -> None:
    request_id = begin_stage(context, database, "media_items")
    wait_for(lambda: heartbeat_at(database.url, request_id) is not None, 10, "the first beat")
    first = heartbeat_at(database.url, request_id)
    wait_for(lambda: heartbeat_at(database.url, request_id) != first, 10, "a second beat during the step")


def test_a_stage_beats_for_its_request_while_its_step_runs_and_stops_when_the_step_ends(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_HEARTBEAT_SECONDS", str(FAST.interval_seconds))
    monkeypatch.setenv("VIDEO_ASSETS_STALLED_AFTER_SECONDS", str(FAST.stalled_after_seconds))
    request_id = submit(postgres_url)

    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(request_partitions.name, [request_id])
        result = dg.materialize(
            [stage_that_sees_two_beats],
            partition_key=request_id,
            instance=instance,
            resources={"database": DatabaseResource(url=postgres_url)},
        )
    assert result.success
    wait_for(lambda: not heartbeat_threads(request_id), 5, "the heartbeat to stop with the step")
