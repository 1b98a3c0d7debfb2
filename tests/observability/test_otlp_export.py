"""Traces leave the process over OTLP/HTTP: the real CLI process (`video-assets demo`) with
OTEL_EXPORTER_OTLP_ENDPOINT set sends its request's trace to a collector stand-in, and with the collector's port
closed a stage still does its work: the exporter gives up after its short timeout (the time it costs is measured
in bench/, not asserted here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media_samples import clip
from tests.observability.otlp_receiver import Received, closed_port, otlp_receiver
from tests.operations.cli_process import run_cli
from video_assets.tracing.provider import ENDPOINT_ENV, SERVICE_NAME


@pytest.fixture
def flat_clip_request(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A request whose one material is probed and then rejected (a flat colour), so its run fails at media_items,
    after ffprobe and ffmpeg ran, in seconds. The environment runs the CLI on its embedded instance."""
    root = tmp_path / "materials"
    flat = clip(root / "flat.mp4", 160, 160, seconds=1, source="color=c=gray", audio=False)
    request = {"title": "灰", "markdown": "# 灰\n\n灰色的画面。", "materials": [{"uri": str(flat)}], "video_count": 1}
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIDEO_ASSETS_", "OTEL_"))}
    env |= {"VIDEO_ASSETS_HOME": str(tmp_path / "home"), "VIDEO_ASSETS_LOCAL_ROOTS": str(root), "DAGSTER_HOME": ""}
    return env, path


def parent_named(span: object, received: Received, name: str) -> bool:
    return any(parent.span_id == span.parent_span_id for parent in received.named(name))


def test_the_cli_sends_the_request_trace_to_an_otlp_receiver(flat_clip_request: tuple[dict[str, str], Path]) -> None:
    env, request = flat_clip_request
    with otlp_receiver() as (endpoint, received):
        demo = run_cli(env | {ENDPOINT_ENV: endpoint}, "demo", str(request))
    assert demo.returncode == 1 and "flat colour" in demo.stdout, demo.stderr
    assert received.services == {SERVICE_NAME}
    names = ("submit", "claim", "run", "stage media_items")
    [submit], [claim], [run], [stage] = (received.named(name) for name in names)
    assert {span.trace_id for span in received.spans} == {submit.trace_id}
    assert not submit.parent_span_id
    assert parent_named(claim, received, "submit") and parent_named(run, received, "claim")
    assert parent_named(stage, received, "run")
    assert stage.status.code == stage.status.STATUS_CODE_ERROR
    probes = received.named("ffprobe") + received.named("ffmpeg")
    assert probes and all(parent_named(span, received, "stage media_items") for span in probes)


# A stage in its own process, as a run worker runs one, with tracing on and nothing listening at the collector's port.
STAGE_WITH_A_DEAD_COLLECTOR = """
from video_assets.deadlines import run_with_deadline
from video_assets.tracing import flush, stage_span, start_request_trace, tracer

with stage_span(start_request_trace("req-1"), "run-1", "media_items", "req-1"):
    probed = run_with_deadline(["ffprobe", "-version"], "ffprobe -version", 60, RuntimeError)
with tracer().start_as_current_span("after the stage"):
    pass
flush()
print(probed.returncode)
"""


def test_a_closed_collector_port_fails_the_export_not_the_stage() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env[ENDPOINT_ENV] = f"http://127.0.0.1:{closed_port()}"
    stage = subprocess.run(
        [sys.executable, "-c", STAGE_WITH_A_DEAD_COLLECTOR], env=env, capture_output=True, text=True, timeout=120
    )
    assert stage.returncode == 0 and stage.stdout.split() == ["0"], stage.stderr
    assert "Failed to export spans batch" in stage.stderr  # it did try, and gave up
