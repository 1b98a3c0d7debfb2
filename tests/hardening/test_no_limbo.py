"""No exit path leaves a request `processing` without a reason: an unexpected error fails it with that error, a
failure that meets a database outage is recorded once the database is back, and the CLI says how the request it
ran ended, on one line, with an exit status to match."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from resources.database import DatabaseResource
from tests.hardening.tcp_proxy import TcpProxy
from tests.operations.cli_process import cli_env, run_cli, submit_file
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.common import fail_stage
from video_assets.assets.media_items import media_items
from video_assets.cli import run_outcome
from video_assets.db.engine import session_scope
from video_assets.db.models import RequestEvent, VideoRequest
from video_assets.db.repository import get_request, start_stage


def test_an_unexpected_error_fails_the_request_with_the_error_at_once(database_url: str, tmp_path: Path) -> None:
    request_id = submit(database_url, materials=[{"uri": "https://cdn.example.com/a.jpg"}])
    with session_scope(database_url) as session:
        # A row written by an older version, say: its spec no longer validates, which no stage expects.
        stored = get_request(session, request_id).spec | {"video_count": "many"}
        session.execute(update(VideoRequest).where(VideoRequest.id == request_id).values(spec=stored))

    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize(
            [media_items], request_id, instance, pipeline_resources(database_url, None, "", tmp_path, [])
        )

    assert not result.success
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        starts = session.scalar(
            select(func.count()).select_from(RequestEvent).filter_by(request_id=request_id, kind="stage_started")
        )
    assert (request.status, request.stage) == ("failed", "media_items")
    assert (
        request.error.startswith("media_items failed unexpectedly: ValidationError") and "video_count" in request.error
    )
    assert starts == 1  # a permanent error is not retried


def test_a_failure_during_a_database_outage_is_recorded_once_the_database_is_back(postgres_url: str) -> None:
    request_id = submit(postgres_url)
    with session_scope(postgres_url) as session:
        start_stage(session, request_id, "media_items")
    proxy = TcpProxy(make_url(postgres_url).port or 5432)
    through_proxy = make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)
    back_at: list[datetime] = []

    def restore() -> None:
        time.sleep(1.0)
        back_at.append(datetime.now(UTC))
        proxy.up()

    threading.Thread(target=restore, daemon=True).start()
    failure = fail_stage(DatabaseResource(url=through_proxy), request_id, "media_items", "no usable material: x")
    proxy.down()

    assert failure.description == "no usable material: x"
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
    assert (request.status, request.error) == ("failed", "no usable material: x")
    assert request.finished_at is not None and request.finished_at >= back_at[0]


@pytest.mark.parametrize("command", ["run", "demo"])
def test_the_cli_exits_non_zero_with_a_one_line_reason_when_the_request_it_ran_failed(
    command: str, postgres_url: str, s3_endpoint: str, s3_store, tmp_path: Path
) -> None:
    materials = tmp_path / "materials"
    materials.mkdir()
    env = cli_env(tmp_path / "home", postgres_url, s3_endpoint, s3_store.bucket, [materials])
    request = {"title": "缺图", "markdown": "# 缺图\n\n正文。", "materials": [{"uri": str(materials / "gone.jpg")}]}
    if command == "run":
        request_id = submit_file(env, request, tmp_path)
        result = run_cli(env, "run", request_id)
    else:
        (tmp_path / "request.json").write_text(json.dumps(request), encoding="utf-8")
        result = run_cli(env, "demo", str(tmp_path / "request.json"))
        request_id = result.stderr.split("submitted ", 1)[1].split()[0]

    assert result.returncode == 1, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: request {request_id} failed: no usable material: ") and "gone.jpg" in last
    assert "Traceback" not in result.stdout + result.stderr and "Stack Trace" not in result.stdout + result.stderr
    with session_scope(postgres_url) as session:
        assert get_request(session, request_id).status == "failed"


def test_partial_success_exits_zero_with_a_warning_naming_the_lost_variant(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"id": "req_x", "status": "partial_success", "error": "v1: RenderError: ffmpeg\nexited 1"}
    assert run_outcome(report, run_succeeded=True) == 0
    assert capsys.readouterr().err == "warning: request req_x partial_success: v1: RenderError: ffmpeg exited 1\n"
    assert run_outcome(report | {"status": "failed"}, run_succeeded=False) == 1
