"""The exporter's one door into Dagster: step and run events from the instance's event log (every executor and
machine writes there, so crashed and queued runs are seen too), run counts, sensor ticks and daemon heartbeats,
translated into the plain records of records.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg

# Not exported by dagster's public API; dagster is pinned, and tests/metrics exercise them on a real instance.
from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType, TickStatus

from video_assets.metrics.records import (
    InstanceSnapshot,
    RunEvent,
    RunEventKind,
    SensorTicks,
    StepEvent,
    StepEventKind,
)

T = dg.DagsterEventType
STEP_KINDS = {
    T.STEP_START: StepEventKind.STARTED,
    T.STEP_RESTARTED: StepEventKind.STARTED,
    T.STEP_SUCCESS: StepEventKind.SUCCEEDED,
    T.STEP_FAILURE: StepEventKind.FAILED,
    T.STEP_UP_FOR_RETRY: StepEventKind.UP_FOR_RETRY,
}
RUN_KINDS = {
    T.RUN_ENQUEUED: RunEventKind.ENQUEUED,
    T.RUN_START: RunEventKind.STARTED,
    T.RUN_SUCCESS: RunEventKind.SUCCEEDED,
    T.RUN_FAILURE: RunEventKind.FAILED,
    T.RUN_CANCELED: RunEventKind.CANCELED,
}
IN_FLIGHT = (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED)
PAGE = 5000


class DagsterSource:
    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self.cursor = -1  # the last event log record id already read
        self.sensor_watermarks: dict[str, float] = {}

    def new_events(self) -> list[StepEvent | RunEvent]:
        """Every step and run event after the cursor, up to the log's end as it was when the read began, so that an
        attempt's end is never read before its start."""
        storage = self.instance.event_log_storage
        end = storage.get_maximum_record_id()
        if end is None or end <= self.cursor:
            return []
        events: list[StepEvent | RunEvent] = []
        for event_type in (*STEP_KINDS, *RUN_KINDS):
            for record_id, entry in _pages(storage, self.cursor, end, event_type):
                events.append(_translate(record_id, event_type, entry))
        self.cursor = end
        return events

    def snapshot(self) -> InstanceSnapshot:
        instance = self.instance
        snapshot = InstanceSnapshot()
        for status in IN_FLIGHT:
            snapshot.runs_by_status[status.value.lower()] = instance.get_runs_count(dg.RunsFilter(statuses=[status]))
        started = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        start_times = [record.start_time for record in started if record.start_time]
        snapshot.oldest_started_run_at = min(start_times) if start_times else None
        snapshot.sensors = list(self._sensors())
        snapshot.daemon_heartbeats = {
            daemon: heartbeat.timestamp for daemon, heartbeat in instance.get_daemon_heartbeats().items()
        }
        return snapshot

    def _sensors(self) -> Iterator[SensorTicks]:
        for state in self.instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
            if state.status == InstigatorStatus.STOPPED:
                continue  # stopped on purpose: its old last tick is no alert
            origin, selector = state.instigator_origin_id, state.selector_id
            latest = self.instance.get_ticks(origin, selector, limit=1)
            watermark = self.sensor_watermarks.get(selector)
            failures = self.instance.get_ticks(origin, selector, after=watermark, statuses=[TickStatus.FAILURE])
            if latest:
                self.sensor_watermarks[selector] = latest[0].timestamp
            yield SensorTicks(state.instigator_name, latest[0].timestamp if latest else None, len(failures))


def _pages(storage: Any, cursor: int, end: int, event_type: dg.DagsterEventType) -> Iterator[tuple[int, Any]]:
    while True:
        page = storage.get_logs_for_all_runs_by_log_id(after_cursor=cursor, dagster_event_type=event_type, limit=PAGE)
        for record_id, entry in page.items():
            if record_id > end:
                return
            yield record_id, entry
            cursor = record_id
        if len(page) < PAGE:
            return


def _translate(record_id: int, event_type: dg.DagsterEventType, entry: dg.EventLogEntry) -> StepEvent | RunEvent:
    if event_type in RUN_KINDS:
        return RunEvent(record_id, RUN_KINDS[event_type], entry.run_id, entry.timestamp, entry.message or "")
    classes: tuple[str, ...] = ()
    declared = None
    if event_type == T.STEP_FAILURE and entry.dagster_event is not None:
        failure = entry.dagster_event.step_failure_data
        classes = tuple(_error_classes(failure.error))
        if failure.user_failure_data is not None:
            value = failure.user_failure_data.metadata.get("reason_class")
            declared = str(value.value) if value is not None else None
    return StepEvent(
        record_id, STEP_KINDS[event_type], entry.run_id, entry.step_key or "", entry.timestamp, classes, declared
    )


def _error_classes(error: Any) -> Iterator[str]:
    """The class of the error and of each cause and context under it (Dagster wraps the step's own exception)."""
    pending = [error]
    while pending:
        current = pending.pop(0)
        if current is None:
            continue
        yield current.cls_name or ""
        pending += [current.cause, current.context]


def serve_exporter(database_url: str, host: str, port: int, interval_seconds: float) -> None:
    """`video-assets exporter`: the instance of DAGSTER_HOME read through DagsterSource, our tables through the URL."""
    from video_assets.metrics.exporter import Exporter, serve

    with dg.DagsterInstance.get() as instance:
        serve(Exporter(database_url, DagsterSource(instance)), host, port, interval_seconds)
