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
from video_assets.assets.common import begin_stage, records_every_exit
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


def see_two_beats(database: DatabaseResource, request_id: str) -> None:
    wait_for(lambda: heartbeat_at(database.url, request_id) is not None, 10, "the first beat")
    first = heartbeat_at(database.url, request_id)
    wait_for(lambda: heartbeat_at(database.url, request_id) != first, 10, "a second beat during the step")


@dg.asset(partitions_def=request_partitions)
@records_every_exit("media_items")
def stage_that_sees_two_beats(context: dg.AssetExecutionContext, database: DatabaseResource) -> None:
    see_two_beats(database, begin_stage(context, database, "media_items"))


@dg.asset(partitions_def=request_partitions)
@records_every_exit("media_items", retry_policy=None)
def stage_that_fails_after_two_beats(context: dg.AssetExecutionContext, database: DatabaseResource) -> None:
    see_two_beats(database, begin_stage(context, database, "media_items"))
    raise ValueError("the stage's own error")


@pytest.mark.parametrize(
    ("stage", "succeeds"), [(stage_that_sees_two_beats, True), (stage_that_fails_after_two_beats, False)]
)
def test_a_stage_beats_for_its_request_while_its_step_runs_and_stops_as_the_step_ends_even_when_it_fails(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, stage: dg.AssetsDefinition, succeeds: bool
) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_HEARTBEAT_SECONDS", str(FAST.interval_seconds))
    monkeypatch.setenv("VIDEO_ASSETS_STALLED_AFTER_SECONDS", str(FAST.stalled_after_seconds))
    request_id = submit(postgres_url)

    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(request_partitions.name, [request_id])
        result = dg.materialize(
            [stage],
            partition_key=request_id,
            instance=instance,
            resources={"database": DatabaseResource(url=postgres_url)},
            raise_on_error=False,
        )
        # In-process, a failed step's context outlives the step in its error's traceback; the beat must not.
        assert not heartbeat_threads(request_id), "the heartbeat stops as the step ends, not when it is collected"
    assert result.success is succeeds
