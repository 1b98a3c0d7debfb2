"""One completed and one failed request through the real pipeline (tests/observability/conftest.py): their step logs
are JSON lines that carry the request, stage and run and no configured secret, and each request is one trace:
submit -> claim -> run -> each stage -> each ffmpeg, ffprobe and TTS process."""

from __future__ import annotations

import json
from collections import Counter

import dagster as dg
from opentelemetry.sdk.trace import ReadableSpan

from tests.observability.conftest import SECRETS, PipelineRuns
from video_assets.redaction import REDACTED
from video_assets.service.requests import STAGE_ORDER
from video_assets.tracing import parse_traceparent, run_span_id

SUBPROCESSES = {"ffmpeg", "ffprobe", "espeak_lib"}


def step_stdout_lines(runs: PipelineRuns, run_id: str) -> list[str]:
    """What the run's steps wrote to stdout, as captured by the instance (the UI's stdout tab of each step)."""
    manager = runs.instance.compute_log_manager
    lines = []
    for entry in runs.instance.all_logs(run_id, of_type=dg.DagsterEventType.LOGS_CAPTURED):
        file_key = entry.get_dagster_event().logs_captured_data.file_key
        captured = manager.get_log_data([run_id, "compute_logs", file_key])
        lines += (captured.stdout or b"").decode().splitlines()
    return lines


def test_every_step_log_line_is_json_with_request_stage_and_run_and_no_secret(pipeline_runs: PipelineRuns) -> None:
    stages_seen: dict[str, set[str]] = {}
    for request_id in (pipeline_runs.completed, pipeline_runs.failed):
        [run_id] = pipeline_runs.run_ids(request_id)
        lines = step_stdout_lines(pipeline_runs, run_id)
        assert lines, f"no step log of run {run_id}"
        for line in lines:
            record = json.loads(line)
            assert (record["request_id"], record["run_id"]) == (request_id, run_id), line
            assert record["stage"], line
            assert not [secret for secret in SECRETS.values() if secret in line], line
            stages_seen.setdefault(request_id, set()).add(record["stage"])
    assert set(STAGE_ORDER) <= stages_seen[pipeline_runs.completed]
    assert "media_items" in stages_seen[pipeline_runs.failed]


def test_a_failed_step_logs_its_error_as_a_field_with_the_secret_redacted(pipeline_runs: PipelineRuns) -> None:
    [run_id] = pipeline_runs.run_ids(pipeline_runs.failed)
    records = [json.loads(line) for line in step_stdout_lines(pipeline_runs, run_id)]
    [failure] = [record for record in records if record["event"] == "STEP_FAILURE"]
    assert failure["level"] == "ERROR"
    assert "no usable material" in failure["error"] and f"{REDACTED}.jpg" in failure["error"]


def test_render_progress_lines_name_the_variant(pipeline_runs: PipelineRuns) -> None:
    [run_id] = pipeline_runs.run_ids(pipeline_runs.completed)
    records = [json.loads(line) for line in step_stdout_lines(pipeline_runs, run_id)]
    progress = [record for record in records if "progress=" in record["message"]]
    assert progress and {(record["stage"], record["variant"]) for record in progress} == {("rendered_videos", "0")}


def request_trace(runs: PipelineRuns, request_id: str) -> list[ReadableSpan]:
    stored = parse_traceparent(runs.traceparents[request_id])
    assert stored is not None
    return [span for span in runs.spans if span.context.trace_id == stored.trace_id]


def parent_of(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> ReadableSpan | None:
    return by_id.get(span.parent.span_id) if span.parent else None


def nearest(span: ReadableSpan, by_id: dict[int, ReadableSpan], prefix: str) -> ReadableSpan | None:
    parent = parent_of(span, by_id)
    while parent is not None and not parent.name.startswith(prefix):
        parent = parent_of(parent, by_id)
    return parent


def test_a_completed_request_is_one_tree_from_submit_to_each_subprocess(pipeline_runs: PipelineRuns) -> None:
    spans = request_trace(pipeline_runs, pipeline_runs.completed)
    by_id = {span.context.span_id: span for span in spans}
    [root] = [span for span in spans if span.parent is None]
    assert root.name == "submit"
    assert all(span is root or parent_of(span, by_id) is not None for span in spans), "a span outside the tree"

    [claim] = [span for span in spans if span.name == "claim"]
    [run] = [span for span in spans if span.name == "run"]
    [run_id] = pipeline_runs.run_ids(pipeline_runs.completed)
    assert parent_of(claim, by_id) is root and parent_of(run, by_id) is claim
    assert run.context.span_id == run_span_id(run_id) and run.attributes["dagster.run_id"] == run_id

    stages = [span for span in spans if span.name.startswith("stage ")]
    assert all(parent_of(stage, by_id) is run for stage in stages)
    # rendered_videos is three steps: plan, one render per variant (here one), collect.
    assert Counter(stage.attributes["video_assets.stage"] for stage in stages) == Counter(
        {name: 3 if name == "rendered_videos" else 1 for name in STAGE_ORDER}
    )
    [render] = [stage for stage in stages if stage.attributes.get("video_assets.variant") == "v0"]

    processes = [span for span in spans if span.name in SUBPROCESSES]
    assert {span.name for span in processes} == SUBPROCESSES
    for process in processes:
        assert nearest(process, by_id, "stage ") is not None, process.name
        assert process.attributes["process.exit_code"] == 0
    media = {nearest(span, by_id, "stage ").attributes["video_assets.stage"] for span in processes}
    assert {"media_items", "rendered_videos"} <= media
    narrations = [span for span in processes if span.name == "espeak_lib"]
    assert all(parent_of(span, by_id).name == "tts" and nearest(span, by_id, "stage ") is render for span in narrations)
    assert any(span.name == "ffmpeg" and nearest(span, by_id, "stage ") is render for span in processes)


def test_a_failed_stage_is_an_error_span_and_the_stages_after_it_have_none(pipeline_runs: PipelineRuns) -> None:
    spans = request_trace(pipeline_runs, pipeline_runs.failed)
    [stage] = [span for span in spans if span.name.startswith("stage ")]
    assert stage.name == "stage media_items"
    assert stage.status.status_code.name == "ERROR" and "no usable material" in (stage.status.description or "")
    assert {span.name for span in spans} == {"submit", "claim", "run", "stage media_items"}
