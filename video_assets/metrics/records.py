"""What the exporter reads, as plain values: the Dagster side is translated into these by sensors/metrics_source.py,
so the metric computation can be tested and benchmarked without an instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class StepEventKind(Enum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"


class RunEventKind(Enum):
    ENQUEUED = "enqueued"
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class StepEvent:
    record_id: int
    kind: StepEventKind
    run_id: str
    step_key: str
    at: float
    # The failure's exception class and those of its causes, outermost first.
    error_classes: tuple[str, ...] = ()
    # A `reason_class` the step declared in its Failure's metadata, when it knows better than its exception class.
    declared_class: str | None = None


@dataclass(frozen=True)
class RunEvent:
    record_id: int
    kind: RunEventKind
    run_id: str
    at: float
    message: str = ""


@dataclass(frozen=True)
class SensorTicks:
    name: str
    last_tick_at: float | None
    failures_since_last_read: int


@dataclass
class InstanceSnapshot:
    """Gauges read whole at each refresh."""

    runs_by_status: dict[str, int] = field(default_factory=dict)
    oldest_started_run_at: float | None = None
    sensors: list[SensorTicks] = field(default_factory=list)
    daemon_heartbeats: dict[str, float] = field(default_factory=dict)
