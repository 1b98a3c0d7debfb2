"""Whether the Dagster side of the deployment can serve requests: the daemon's heartbeat, and the request sensor
ticking. The API's /readyz reports these; the API writes request rows, but only the sensor launches them."""

from __future__ import annotations

import os
import time

import dagster as dg

# Not exported by dagster's public API; dagster is pinned, and tests/api/test_readiness.py exercises them.
from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType

from sensors.requests import request_sensor

SENSOR_DAEMON = "SENSOR"
NOT_CONFIGURED = "not checked: no Dagster instance configured (DAGSTER_HOME)"
# A tick is due every minimum_interval_seconds; allow a few to be slow (a tick may take up to 60 s) before saying
# the sensor is not running.
STALE_TICK_SECONDS = max(120, 4 * (request_sensor.minimum_interval_seconds or 30))
STOPPED = {InstigatorStatus.STOPPED}


def dagster_checks() -> dict[str, str]:
    """`ok` or the reason, for `dagster_daemon` and `request_sensor`; both `not checked` without DAGSTER_HOME."""
    if not os.environ.get("DAGSTER_HOME"):
        return {"dagster_daemon": NOT_CONFIGURED, "request_sensor": NOT_CONFIGURED}
    with dg.DagsterInstance.get() as instance:
        return {"dagster_daemon": daemon_check(instance), "request_sensor": sensor_check(instance)}


def daemon_check(instance: dg.DagsterInstance) -> str:
    status = instance.get_daemon_statuses([SENSOR_DAEMON])[SENSOR_DAEMON]
    if status.healthy:
        return "ok"
    if status.last_heartbeat is None:
        return "unavailable: the daemon has never sent a heartbeat to this instance"
    age = time.time() - status.last_heartbeat.timestamp
    return f"unavailable: the daemon's last heartbeat is {age:.0f}s old"


def sensor_check(instance: dg.DagsterInstance) -> str:
    states = [
        state
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        if state.instigator_name == request_sensor.name
    ]
    if not states:
        return f"not running: {request_sensor.name} has never ticked on this instance"
    if all(state.status in STOPPED for state in states):
        return f"not running: {request_sensor.name} is stopped"
    ticks = [
        tick
        for state in states
        if state.status not in STOPPED
        for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
    ]
    if not ticks:
        return f"not running: {request_sensor.name} has never ticked on this instance"
    age = time.time() - max(tick.timestamp for tick in ticks)
    if age > STALE_TICK_SECONDS:
        return f"not running: {request_sensor.name} last ticked {age:.0f}s ago"
    return "ok"
