"""`video-assets exporter`: refreshes every metric from the Dagster instance and our tables on a short interval and
serves the last refresh on /metrics, so a scrape costs a serialisation, never a query."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import start_http_server

from video_assets.db.engine import session_scope
from video_assets.metrics.families import Families
from video_assets.metrics.records import InstanceSnapshot, RunEvent, StepEvent
from video_assets.metrics.steps import StepTracker
from video_assets.metrics.tables import TableReader

log = logging.getLogger(__name__)
SOURCES = ("database", "dagster")


class InstanceSource(Protocol):
    def new_events(self) -> list[StepEvent | RunEvent]: ...

    def snapshot(self) -> InstanceSnapshot: ...


class Exporter:
    def __init__(self, database_url: str, source: InstanceSource, families: Families | None = None) -> None:
        self.database_url = database_url
        self.source = source
        self.families = families or Families()
        self.tables = TableReader(self.families)
        self.steps = StepTracker(self.families)
        for source in SOURCES:  # zero series, so that the error rate is 0, not empty, until the first error
            self.families.errors.labels(source)

    def refresh(self) -> bool:
        """One pass over both sources; a source that fails is counted and the other is still read."""
        started = time.perf_counter()
        now = datetime.now(UTC)
        database, dagster = SOURCES
        ok = self._guarded(database, lambda: self._read_tables(now))
        ok = self._guarded(dagster, lambda: self._read_instance(now.timestamp())) and ok
        self.families.refresh_seconds.set(time.perf_counter() - started)
        if ok:
            self.families.last_success.set(time.time())
        return ok

    def _guarded(self, source: str, read: Callable[[], None]) -> bool:
        try:
            read()
        except Exception:  # noqa: BLE001 - a refresh error is counted and logged; the next refresh tries again
            log.exception("refresh from %s failed", source)
            self.families.errors.labels(source).inc()
            return False
        return True

    def _read_tables(self, now: datetime) -> None:
        with session_scope(self.database_url) as session:
            self.tables.refresh(session, now)

    def _read_instance(self, now: float) -> None:
        self.steps.observe(self.source.new_events())
        snapshot = self.source.snapshot()
        f = self.families
        for status, count in snapshot.runs_by_status.items():
            f.runs.labels(status).set(count)
        oldest = snapshot.oldest_started_run_at
        f.oldest_started_run_age.set(max(0.0, now - oldest) if oldest is not None else 0.0)
        f.sensor_tick_age.clear()  # a sensor stopped since the last refresh leaves the gauge
        for sensor in snapshot.sensors:
            if sensor.last_tick_at is not None:
                f.sensor_tick_age.labels(sensor.name).set(max(0.0, now - sensor.last_tick_at))
            f.sensor_failures.labels(sensor.name).inc(sensor.failures_since_last_read)
        for daemon, beat in snapshot.daemon_heartbeats.items():
            f.daemon_heartbeat_age.labels(daemon).set(max(0.0, now - beat))


def serve(exporter: Exporter, host: str, port: int, interval_seconds: float) -> None:
    """Serve /metrics and refresh until SIGTERM or SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    exporter.refresh()  # the first scrape already sees the instance's history
    server, thread = start_http_server(port, host, registry=exporter.families.registry)
    log.info("serving metrics on http://%s:%d/metrics", host, port)
    while not stop.wait(interval_seconds):
        exporter.refresh()
    server.shutdown()
    thread.join(timeout=5)
