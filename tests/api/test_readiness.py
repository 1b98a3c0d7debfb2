"""The Dagster half of /readyz on a real (empty) instance in a fresh DAGSTER_HOME: no daemon has sent a heartbeat
and the request sensor never ticked, and each is named. The running daemon and sensor of a real deployment are
checked through the live API in tests/e2e/test_production_topology.py; no DAGSTER_HOME is checked in
test_http_api.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensors.readiness import dagster_checks


def test_an_instance_without_a_daemon_or_sensor_ticks_is_reported_not_ready_with_reasons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    checks = dagster_checks()
    assert checks["dagster_daemon"] == "unavailable: the daemon has never sent a heartbeat to this instance"
    assert checks["request_sensor"] == "not running: request_sensor has never ticked on this instance"
