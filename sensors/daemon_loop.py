"""`video-assets daemon`: Dagster's daemon (`dagster-daemon run ...`, the same arguments) with its sensor loop at
1 s instead of 5 s.

Dagster evaluates sensors from a loop that waits until 5 s have passed since its last pass began, whatever a sensor's
`minimum_interval_seconds` says; the constant is not configurable. A pending request waited 2.5 s on average for the
request sensor's tick, half of the pickup budget of an idle deployment (docs/operations.md, "Start-up, pickup and
queueing"). At 1 s the loop reads the sensors' states once a second, and only the request sensor (1 s) ticks that
often: one indexed query when nothing is pending and one tick row, which the instance keeps for a day."""

from __future__ import annotations

import sys

import dagster._daemon.sensor as sensor_loop
from dagster._daemon.cli import main as dagster_daemon

SENSOR_LOOP_SECONDS = 1


def run_daemon(arguments: list[str]) -> None:
    if not hasattr(sensor_loop, "MIN_INTERVAL_LOOP_TIME"):
        # A Dagster upgrade renamed it: fail at start-up instead of silently picking requests up five times slower.
        raise RuntimeError("dagster._daemon.sensor.MIN_INTERVAL_LOOP_TIME is gone: review sensors/daemon_loop.py")
    sensor_loop.MIN_INTERVAL_LOOP_TIME = SENSOR_LOOP_SECONDS
    sys.argv = ["dagster-daemon", *arguments]
    dagster_daemon()
