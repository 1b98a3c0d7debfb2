"""`video-assets list` through the real CLI process on Postgres, over requests in every state of the state machine."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.operations.cli_process import run_cli
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest, utcnow
from video_assets.db.repository import cancel, create_request, fail, finish, mark_queued, start_stage
from video_assets.request_schema import VideoRequestSpec
from video_assets.service import REQUEST_STATUSES


def _request(session: Session, title: str, to: str) -> str:
    """A request walked along the state machine from pending to `to`, as the sensor and the stages move it."""
    request_id, _ = create_request(session, VideoRequestSpec(title=title, markdown="# 文章\n\n正文。"))
    if to == "pending":
        return request_id
    mark_queued(session, request_id, run_key=request_id, claimer="request_sensor")
    if to == "queued":
        return request_id
    start_stage(session, request_id, "media_items")
    if to == "failed":
        fail(session, request_id, "video_scripts", f"{title}: a 5s video cannot show 8 materials")
    elif to == "cancelled":
        cancel(session, request_id, "cancelled by an operator")
    elif to != "processing":
        finish(session, request_id, to, "v2: render failed" if to == "partial_success" else None)
    return request_id


@pytest.fixture
def requests(postgres_url: str) -> dict[str, str]:
    """One request in each status, and one more failed three hours ago; title -> id."""
    with session_scope(postgres_url) as session:
        made = {status: _request(session, status, status) for status in REQUEST_STATUSES}
        made["old failure"] = _request(session, "old failure", "failed")
        session.execute(
            update(VideoRequest)
            .where(VideoRequest.id == made["old failure"])
            .values(created_at=utcnow() - timedelta(hours=3))
        )
    return made


@pytest.fixture
def env(postgres_url: str, tmp_path: Path) -> dict[str, str]:
    return {"VIDEO_ASSETS_HOME": str(tmp_path / "home"), "VIDEO_ASSETS_DATABASE_URL": postgres_url, "PATH": "/usr/bin"}


def listed(env: dict[str, str], *args: str) -> dict:
    result = run_cli(env, "list", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_list_shows_every_request_with_its_status_stage_title_and_age_and_counts_each_status(
    env: dict[str, str], requests: dict[str, str]
) -> None:
    answer = listed(env)

    rows = {row["id"]: row for row in answer["requests"]}
    assert {row["title"]: (row["id"], row["status"]) for row in rows.values()} == {
        title: (request_id, "failed" if title == "old failure" else title) for title, request_id in requests.items()
    }
    assert rows[requests["processing"]]["stage"] == "media_items"
    assert rows[requests["failed"]]["stage"] == "video_scripts"
    assert rows[requests["failed"]]["error"] == "failed: a 5s video cannot show 8 materials"
    assert rows[requests["pending"]]["stage"] is None
    assert rows[requests["old failure"]]["age_seconds"] >= 3 * 3600 > rows[requests["pending"]]["age_seconds"]
    assert answer["requests"][-1]["id"] == requests["old failure"], "newest first"
    assert answer["counts"] == {status: 2 if status == "failed" else 1 for status in REQUEST_STATUSES}
    assert answer["total"] == 8


def test_status_and_since_filter_the_rows_and_since_bounds_the_counts(
    env: dict[str, str], requests: dict[str, str]
) -> None:
    recent_failures = listed(env, "--status", "failed", "--since", "2h")
    ended = listed(env, "--status", "completed,partial_success", "--status", "cancelled")

    assert [row["id"] for row in recent_failures["requests"]] == [requests["failed"]]
    assert recent_failures["counts"] == {status: 1 for status in REQUEST_STATUSES}
    assert recent_failures["filter"]["statuses"] == ["failed"]
    assert {row["status"] for row in ended["requests"]} == {"completed", "partial_success", "cancelled"}
    assert len(ended["requests"]) == 3


def test_the_table_has_a_line_per_request_and_the_counts_last(env: dict[str, str], requests: dict[str, str]) -> None:
    result = run_cli(env, "list", "--status", "failed")

    assert result.returncode == 0, result.stderr
    header, *rows, counts = result.stdout.strip().splitlines()
    assert header.split() == ["id", "status", "stage", "age", "title"]
    assert [row.split()[:3] for row in rows] == [
        [requests["failed"], "failed", "video_scripts"],
        [requests["old failure"], "failed", "video_scripts"],
    ]
    assert rows[1].split()[3] == "3h"
    assert counts.startswith("counts: pending 1  queued 1  processing 1  completed 1  partial_success 1  failed 2")
    assert counts.endswith("(total 8)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2 hours"), "error: since '2 hours': give a span such as 90s, 30m, 2h, 7d or 1w"),
        (("--status", "done"), "error: status: unknown done (known: pending, queued, processing, completed,"),
        (("--limit", "0"), "error: limit 0: give at least 1"),
    ],
)
def test_a_filter_that_cannot_be_understood_exits_2_saying_what_is_accepted(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run_cli(env, "list", *args)

    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr
