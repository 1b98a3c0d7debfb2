"""Steps a run leaves open when it ends without a step event (its worker died, it was cancelled, it ran past its time
limit) are counted as failures of their stage with the run's reason; a retried attempt is a retry, not a failure."""

from __future__ import annotations

import pytest

from video_assets.metrics.families import Families
from video_assets.metrics.records import RunEvent, RunEventKind, StepEvent, StepEventKind
from video_assets.metrics.steps import StepTracker

RENDER = "rendered_videos.render_one[v0]"


def started(record_id: int, run_id: str, step_key: str = RENDER, at: float = 100.0) -> StepEvent:
    return StepEvent(record_id, StepEventKind.STARTED, run_id, step_key, at)


@pytest.mark.parametrize(
    ("kind", "message", "reason", "outcome"),
    [
        (RunEventKind.FAILED, "run worker process exited unexpectedly", "unknown", "failure"),
        (RunEventKind.CANCELED, "Execution of run was terminated by user", "cancelled", "cancelled"),
        (RunEventKind.FAILED, "Exceeded maximum runtime of 14400 seconds.", "timeout", "failure"),
    ],
)
def test_a_run_that_ends_with_a_step_open_fails_that_step_with_the_runs_reason(
    kind: RunEventKind, message: str, reason: str, outcome: str
) -> None:
    families = Families()
    StepTracker(families).observe(
        [RunEvent(3, kind, "run-1", 130.0, message), started(1, "run-1"), started(2, "run-2", "media_items")]
    )
    value = families.registry.get_sample_value
    assert value("video_assets_stage_failures_total", {"stage": "rendered_videos", "reason_class": reason}) == 1
    assert value("video_assets_stage_duration_seconds_sum", {"stage": "rendered_videos", "outcome": outcome}) == 30
    assert value("video_assets_stage_failures_total", {"stage": "media_items", "reason_class": reason}) == 0


def test_a_retried_attempt_is_a_retry_and_a_succeeded_run_leaves_nothing_to_count() -> None:
    families = Families()
    tracker = StepTracker(families)
    tracker.observe(
        [
            started(1, "run-1", "media_analyses", at=10.0),
            StepEvent(2, StepEventKind.UP_FOR_RETRY, "run-1", "media_analyses", 12.0, ("ConnectionError",)),
            started(3, "run-1", "media_analyses", at=14.0),
            StepEvent(4, StepEventKind.SUCCEEDED, "run-1", "media_analyses", 20.0),
            RunEvent(5, RunEventKind.SUCCEEDED, "run-1", 21.0),
        ]
    )
    value = families.registry.get_sample_value
    assert value("video_assets_stage_retries_total", {"stage": "media_analyses"}) == 1
    assert value("video_assets_stage_duration_seconds_sum", {"stage": "media_analyses", "outcome": "retry"}) == 2
    assert value("video_assets_stage_duration_seconds_sum", {"stage": "media_analyses", "outcome": "success"}) == 6
    assert value("video_assets_stage_failures_total", {"stage": "media_analyses", "reason_class": "transient"}) == 0
    assert tracker.open_steps == {}
