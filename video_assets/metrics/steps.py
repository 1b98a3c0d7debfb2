"""Step and run events, read in the event log's order, become the duration histogram, the failure and retry counters
and the run-queue wait. Starts are held until their attempt ends; a run that ends with steps still open (a dead
worker, a cancel, its time limit) ends them with the run's own reason."""

from __future__ import annotations

from collections.abc import Iterable

from video_assets.metrics.classify import REASON_CLASSES, reason_class, run_end_class, stage_of
from video_assets.metrics.families import Families
from video_assets.metrics.records import RunEvent, RunEventKind, StepEvent, StepEventKind

_RUN_ENDS = (RunEventKind.SUCCEEDED, RunEventKind.FAILED, RunEventKind.CANCELED)


class StepTracker:
    def __init__(self, families: Families) -> None:
        self.families = families
        self.open_steps: dict[str, dict[str, float]] = {}  # run id -> step key -> attempt start
        self.enqueued_at: dict[str, float] = {}
        self.stages: set[str] = set()

    def observe(self, events: Iterable[StepEvent | RunEvent]) -> None:
        for event in sorted(events, key=lambda event: event.record_id):
            if isinstance(event, StepEvent):
                self._step(event)
            else:
                self._run(event)

    def _step(self, event: StepEvent) -> None:
        stage = stage_of(event.step_key)
        self._declare(stage)
        if event.kind is StepEventKind.STARTED:
            self.open_steps.setdefault(event.run_id, {})[event.step_key] = event.at
            return
        started = self.open_steps.get(event.run_id, {}).pop(event.step_key, None)
        outcome = {
            StepEventKind.SUCCEEDED: "success",
            StepEventKind.FAILED: "failure",
            StepEventKind.UP_FOR_RETRY: "retry",
        }[event.kind]
        if event.kind is StepEventKind.FAILED:
            reason = reason_class(event.error_classes, event.declared_class)
            self.families.stage_failures.labels(stage, reason).inc()
            if reason == "cancelled":
                outcome = "cancelled"
        elif event.kind is StepEventKind.UP_FOR_RETRY:
            self.families.stage_retries.labels(stage).inc()
        if started is not None:
            self.families.stage_duration.labels(stage, outcome).observe(max(0.0, event.at - started))

    def _declare(self, stage: str) -> None:
        """Zero series for every reason class and the retries of a stage once it is seen, so that a rate or ratio
        over them is 0, not empty, until the first failure."""
        if stage in self.stages:
            return
        self.stages.add(stage)
        for reason in REASON_CLASSES:
            self.families.stage_failures.labels(stage, reason)
        self.families.stage_retries.labels(stage)

    def _run(self, event: RunEvent) -> None:
        if event.kind is RunEventKind.ENQUEUED:
            self.enqueued_at[event.run_id] = event.at
        elif event.kind is RunEventKind.STARTED:
            queued = self.enqueued_at.pop(event.run_id, None)
            if queued is not None:
                self.families.run_queue_wait.observe(max(0.0, event.at - queued))
        elif event.kind in _RUN_ENDS:
            self.enqueued_at.pop(event.run_id, None)
            open_steps = self.open_steps.pop(event.run_id, {})
            if event.kind is RunEventKind.SUCCEEDED:
                return
            reason = run_end_class(event.kind is RunEventKind.CANCELED, event.message)
            for step_key, started in open_steps.items():
                stage = stage_of(step_key)
                self._declare(stage)
                self.families.stage_failures.labels(stage, reason).inc()
                outcome = "cancelled" if reason == "cancelled" else "failure"
                self.families.stage_duration.labels(stage, outcome).observe(max(0.0, event.at - started))
