"""Breaker state is visible (issue 23, item 6): `video-assets vendors` lists every breaker, and `status` shows the
vendors that are down while a request waits on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pipeline.helpers import submit
from video_assets.cli import main
from video_assets.resilience import BreakerPolicy, VendorBreaker


@pytest.fixture
def cli_database(postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("VIDEO_ASSETS_DATABASE_URL", postgres_url)
    monkeypatch.setenv("VIDEO_ASSETS_HOME", str(tmp_path / "home"))
    return postgres_url


def test_vendors_and_status_show_an_open_breaker_with_its_failures(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = submit(cli_database)
    llm = VendorBreaker(cli_database, "llm", BreakerPolicy(failure_threshold=2))
    llm.failed("write_script: HTTP 503: overloaded")
    llm.failed("write_script: HTTP 503: overloaded")
    VendorBreaker(cli_database, "merge:easegen").failed("poll: connection refused")

    assert main(["vendors", "--json"]) == 0
    listed = {row["vendor"]: row for row in json.loads(capsys.readouterr().out)}
    assert main(["status", request_id]) == 0
    status = capsys.readouterr().out

    assert (listed["llm"]["state"], listed["llm"]["failures"]) == ("open", 2) and listed["llm"]["opened_at"]
    assert (listed["merge:easegen"]["state"], listed["merge:easegen"]["failures"]) == ("closed", 1)
    assert "vendors down:\nllm: open, 2 consecutive failures, open since" in status
    assert "last error: write_script: HTTP 503: overloaded" in status and "merge:easegen" not in status
