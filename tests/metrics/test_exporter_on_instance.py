"""The exporter over a real Dagster instance on Postgres and our real tables: runs executed by Dagster with a success,
a retried step, a failure that declares its class and one whose cause is a subprocess deadline; request rows with a
pickup and a dead letter. Each figure is what those runs and rows imply, and a second refresh adds nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from sensors.metrics_source import DagsterSource
from tests.conftest import PostgresCluster
from tests.harness.postgres import create_database, drop_database
from tests.metrics.instance import postgres_instance
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest
from video_assets.db.repository import note_run_started, record_dead_letter
from video_assets.deadlines import SubprocessTimedOut
from video_assets.metrics.exporter import Exporter

ATTEMPTS: dict[str, int] = {}


@dg.op(name="media_items")
def media_items() -> int:
    return 1


@dg.op(name="media_analyses", retry_policy=dg.RetryPolicy(max_retries=1))
def media_analyses(items: int) -> int:
    ATTEMPTS["media_analyses"] = ATTEMPTS.get("media_analyses", 0) + 1
    if ATTEMPTS["media_analyses"] == 1:
        raise ConnectionError("vision model unreachable")
    return items


@dg.op(name="video_scripts")
def video_scripts(analyses: int) -> int:
    raise dg.Failure("LLM down for good", allow_retries=False, metadata={"reason_class": "transient"})


@dg.op
def render_one() -> None:
    try:
        raise SubprocessTimedOut("ffmpeg ran past its deadline")
    except SubprocessTimedOut as error:
        raise dg.Failure("render timed out", allow_retries=False) from error


@dg.graph(name="rendered_videos")
def rendered_videos() -> None:
    render_one()


@dg.job
def analyse_then_script() -> None:
    video_scripts(media_analyses(media_items()))


@dg.job
def render() -> None:
    rendered_videos()


@pytest.fixture
def instance(postgres_cluster: PostgresCluster, tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    name = f"va_dagster_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_cluster.server_url, name)
    with postgres_instance(url, tmp_path / "dagster") as instance:
        yield instance
    drop_database(postgres_cluster.server_url, name)


def add_requests(database_url: str) -> None:
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        session.add(VideoRequest(id="waiting", title="t", spec={}, created_at=now - timedelta(minutes=10)))
        session.add(
            VideoRequest(id="picked", title="t", spec={}, status="failed", created_at=now - timedelta(seconds=90))
        )
        session.flush()
        note_run_started(session, "picked", "run-a", "run a started", {})
        note_run_started(session, "picked", "run-b", "a retry's run: no second pickup", {})
        record_dead_letter(session, "picked", "run-b", "media_items", "boom")


def test_one_refresh_counts_what_the_runs_and_rows_imply_and_the_next_adds_nothing(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    assert not analyse_then_script.execute_in_process(instance=instance, raise_on_error=False).success
    assert not render.execute_in_process(instance=instance, raise_on_error=False).success
    add_requests(postgres_url)
    exporter = Exporter(postgres_url, DagsterSource(instance))

    for _ in range(2):
        assert exporter.refresh()
        value = exporter.families.registry.get_sample_value
        duration = "video_assets_stage_duration_seconds_count"
        assert value(duration, {"stage": "media_items", "outcome": "success"}) == 1
        assert value(duration, {"stage": "media_analyses", "outcome": "retry"}) == 1
        assert value(duration, {"stage": "media_analyses", "outcome": "success"}) == 1
        assert value(duration, {"stage": "video_scripts", "outcome": "failure"}) == 1
        assert value(duration, {"stage": "rendered_videos", "outcome": "failure"}) == 1
        assert value("video_assets_stage_retries_total", {"stage": "media_analyses"}) == 1
        failures = "video_assets_stage_failures_total"
        assert value(failures, {"stage": "video_scripts", "reason_class": "transient"}) == 1
        assert value(failures, {"stage": "rendered_videos", "reason_class": "timeout"}) == 1
        assert value(failures, {"stage": "media_analyses", "reason_class": "transient"}) == 0, "retried, not failed"

        assert value("video_assets_requests", {"status": "pending"}) == 1
        assert value("video_assets_requests", {"status": "failed"}) == 1
        assert value("video_assets_requests", {"status": "completed"}) == 0
        assert value("video_assets_oldest_pending_request_age_seconds") >= 600
        assert value("video_assets_request_pickup_wait_seconds_count") == 1
        assert 90 <= value("video_assets_request_pickup_wait_seconds_sum") < 200
        assert value("video_assets_dead_letters_unresolved") == 1
        assert value("video_assets_runs", {"status": "started"}) == 0
        assert value("video_assets_exporter_errors_total", {"source": "database"}) == 0
        assert value("video_assets_exporter_errors_total", {"source": "dagster"}) == 0
