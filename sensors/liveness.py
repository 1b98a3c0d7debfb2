"""Which requests a run is still working on. An in-flight status alone is not proof: a run executed in-process by
the CLI stays STARTED forever when its process is killed, because nothing else watches it."""

from __future__ import annotations

import os
import socket
from collections.abc import Collection

import dagster as dg

from sensors.launch import HOST_TAG, PID_TAG
from sensors.requests import IN_FLIGHT, PARTITION_TAG

# Bounds the tag filter of one run-storage query.
CHUNK = 500


def live_request_runs(instance: dg.DagsterInstance, request_ids: Collection[str]) -> set[str]:
    """The ids among `request_ids` with at least one live run: in flight, and not an in-process run on this host
    whose process has died. A run on another host counts as live, since its process cannot be checked from here."""
    ordered = sorted(request_ids)
    live: set[str] = set()
    for start in range(0, len(ordered), CHUNK):
        records = instance.get_run_records(
            dg.RunsFilter(tags={PARTITION_TAG: ordered[start : start + CHUNK]}, statuses=IN_FLIGHT)
        )
        live.update(
            record.dagster_run.tags[PARTITION_TAG] for record in records if not died_with_process(record.dagster_run)
        )
    return live


def died_with_process(run: dg.DagsterRun) -> bool:
    """True only for a run tagged with this host and the pid of a process that no longer exists."""
    pid = run.tags.get(PID_TAG, "")
    if run.tags.get(HOST_TAG) != socket.gethostname() or not pid.isdigit() or int(pid) <= 0:
        return False
    return not process_exists(int(pid))


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 checks for existence without delivering anything
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    return True
