"""Where a request's time went on the production topology, read back from the Dagster event log of its runs:
submit -> run started (sensor tick, run queue, run worker start-up), each step's process start-up (the executor's
"Launching subprocess" -> STEP_START) and each step's own work (STEP_START -> success or failure). Everything of
the request's wall time outside its steps' own work is orchestration."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg

from sensors.requests import PARTITION_TAG

STEP_END = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
KINDS = {
    dg.DagsterEventType.RUN_STARTING,
    dg.DagsterEventType.RUN_START,
    dg.DagsterEventType.STEP_WORKER_STARTING,
    dg.DagsterEventType.STEP_START,
}


@dataclass(frozen=True)
class RequestTiming:
    latency_s: float  # submit -> finished, from the request row
    launch_s: float  # submit -> the first run's RUN_STARTING: claimed by the sensor, dequeued, handed to the launcher
    pickup_s: float  # submit -> the first run's RUN_START: its run worker is up
    step_startups_s: list[float]  # per step process: launched -> STEP_START
    work_s: float  # the union of the steps' STEP_START -> end intervals (steps of one run overlap)


def epoch(moment: datetime) -> float:
    """Request rows hold UTC; a naive value read back from a `timestamp without time zone` column is UTC too."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def request_timing(
    instance: dg.DagsterInstance, request_id: str, submitted: datetime, finished: datetime
) -> RequestTiming:
    runs = instance.get_run_records(dg.RunsFilter(tags={PARTITION_TAG: request_id}))
    run_launches: list[float] = []
    run_starts: list[float] = []
    startups: list[float] = []
    intervals: list[tuple[float, float]] = []
    for record in runs:
        launched: dict[str, float] = {}
        began: dict[str, float] = {}
        for entry in instance.all_logs(record.dagster_run.run_id, of_type=KINDS | STEP_END):
            kind = entry.dagster_event.event_type if entry.dagster_event else None
            if kind == dg.DagsterEventType.RUN_STARTING:
                run_launches.append(entry.timestamp)
            elif kind == dg.DagsterEventType.RUN_START:
                run_starts.append(entry.timestamp)
            elif kind == dg.DagsterEventType.STEP_WORKER_STARTING:
                launched[entry.step_key] = entry.timestamp
            elif kind == dg.DagsterEventType.STEP_START:
                began[entry.step_key] = entry.timestamp
                if entry.step_key in launched:
                    startups.append(entry.timestamp - launched.pop(entry.step_key))
            elif kind in STEP_END and entry.step_key in began:
                intervals.append((began.pop(entry.step_key), entry.timestamp))
    start = epoch(submitted)
    return RequestTiming(
        latency_s=epoch(finished) - start,
        launch_s=min(run_launches) - start if run_launches else math.nan,
        pickup_s=min(run_starts) - start if run_starts else math.nan,
        step_startups_s=startups,
        work_s=covered_seconds(intervals),
    )


def covered_seconds(intervals: list[tuple[float, float]]) -> float:
    covered, reach = 0.0, -math.inf
    for begin, end in sorted(intervals):
        if end > reach:
            covered += end - max(begin, reach)
            reach = end
    return covered


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)], 1)


def summary(timings: list[RequestTiming]) -> dict[str, object]:
    latencies = [timing.latency_s for timing in timings]
    # A run that never started (failed in the queue, or by run monitoring before its worker was up) has no figure.
    launches = [timing.launch_s for timing in timings if not math.isnan(timing.launch_s)]
    pickups = [timing.pickup_s for timing in timings if not math.isnan(timing.pickup_s)]
    startups = [seconds for timing in timings for seconds in timing.step_startups_s]
    return {
        "submit_to_completed_p50_s": percentile(latencies, 0.5),
        "submit_to_completed_p95_s": percentile(latencies, 0.95),
        "submit_to_completed_max_s": round(max(latencies), 1),
        "submit_to_run_launched_p50_s": percentile(launches, 0.5),
        "submit_to_run_started_p50_s": percentile(pickups, 0.5),
        "submit_to_run_started_max_s": round(max(pickups), 1) if pickups else math.nan,
        "step_startup_mean_s": round(sum(startups) / len(startups), 2) if startups else math.nan,
        "step_startup_max_s": round(max(startups), 2) if startups else math.nan,
        "steps": len(startups),
        "orchestration_share": round(1 - sum(t.work_s for t in timings) / sum(latencies), 2),
    }
