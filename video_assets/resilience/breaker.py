"""One circuit breaker per vendor, its state in a `vendor_breakers` row that every process and machine shares.

Why Postgres: it is the system of record that every worker already reaches, so a breaker needs no new service, and a
row lock gives the one thing a shared breaker must get right: while the vendor is down, exactly one caller at a time
(across all workers) is let through as a probe, once per interval. pybreaker, the kept library closest to this, keeps
its state in memory or Redis only, and its half-open state lets every process through at once.

A run of `failure_threshold` transient failures opens the breaker. While it is open, callers wait (sleeping, not
spending their retry attempts) for their turn to probe; a success closes it. An outage that outlasts the vendor's
patience ends the wait with VendorOutlasted, a permanent error that names the vendor and the outage. A caller that
must not wait (a material download keeps its own deadline; a reconcile pass has other jobs to settle; a render step
hands its `render` slot back rather than sleep in it) asks with `admit(wait=False)` and gets VendorDown, a transient
error that says since when and until when, unless it is its turn to probe; past the patience it gets VendorOutlasted
too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from video_assets.db.engine import session_scope
from video_assets.db.models import utcnow
from video_assets.db.vendor_models import VendorBreakerRow
from video_assets.redaction import excerpt

DEFAULT_PATIENCE_SECONDS = 600.0


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = 3
    probe_interval_seconds: float = 30.0
    patience_seconds: float = DEFAULT_PATIENCE_SECONDS


class VendorOutlasted(RuntimeError):
    """The vendor stayed down longer than its patience: the request fails with this reason."""

    transient = False


class VendorDown(RuntimeError):
    """The vendor's breaker is open and it is not this caller's turn to probe: try again later
    (seconds_until_probe says when)."""

    transient = True


@dataclass(frozen=True)
class BreakerState:
    vendor: str
    state: str
    failures: int
    opened_at: datetime | None
    next_probe_at: datetime | None
    probes: int
    last_error: str | None
    outage_started_at: datetime | None = None


class VendorBreaker:
    def __init__(
        self,
        database_url: str,
        vendor: str,
        policy: BreakerPolicy = BreakerPolicy(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.database_url = database_url
        self.vendor = vendor
        self.policy = policy
        self._sleep = sleep

    def admit(self, wait: bool = True) -> None:
        """Return when this caller may call the vendor. While the breaker is open and it is another's turn, wait
        (VendorOutlasted once the outage outlasts the patience), or with `wait=False` raise VendorDown at once."""
        while True:
            delay, row = self._turn()
            if delay <= 0:
                return
            down = (utcnow() - as_utc(row.outage_started_at or utcnow())).total_seconds()
            if down > self.policy.patience_seconds:
                raise VendorOutlasted(
                    f"vendor {self.vendor} has been down since {_clock(row.outage_started_at)} UTC ({down:.0f} s, "
                    f"longer than its patience of {self.policy.patience_seconds:.0f} s; last error: {row.last_error})"
                )
            if not wait:
                raise VendorDown(self._down_reason(row))
            self._sleep(min(delay, self.policy.probe_interval_seconds))

    def succeeded(self) -> None:
        with session_scope(self.database_url) as session:
            row = session.get(VendorBreakerRow, self.vendor)
            if row is not None and (row.state != "closed" or row.failures):
                row = _locked(session, self.vendor)
                row.state, row.failures, row.outage_started_at, row.opened_at = "closed", 0, None, None
                row.next_probe_at, row.probes = None, 0

    def failed(self, problem: str) -> bool:
        """Count a transient failure; True when the breaker is open after it (the caller then waits in admit())."""
        now = utcnow()
        with session_scope(self.database_url) as session:
            row = _locked(session, self.vendor)
            row.failures += 1
            row.last_error = excerpt(problem, 300)
            row.outage_started_at = row.outage_started_at or now
            if row.state == "open" or row.failures >= self.policy.failure_threshold:
                row.opened_at = row.opened_at or now
                row.state = "open"
                row.next_probe_at = now + timedelta(seconds=self.policy.probe_interval_seconds)
            return row.state == "open"

    def _turn(self) -> tuple[float, BreakerState]:
        """(0, state) when this caller may go now (the breaker is closed, or this caller is the probe), else the
        seconds to wait and the breaker's state."""
        with session_scope(self.database_url) as session:
            row = session.get(VendorBreakerRow, self.vendor)
            if row is None or row.state == "closed":
                return 0.0, _snapshot(row, self.vendor)
            row = _locked(session, self.vendor)
            now = utcnow()
            if row.state == "closed" or row.next_probe_at is None or as_utc(row.next_probe_at) <= now:
                row.next_probe_at = now + timedelta(seconds=self.policy.probe_interval_seconds)
                row.probes += 1 if row.state == "open" else 0
                return 0.0, _snapshot(row, self.vendor)
            return (as_utc(row.next_probe_at) - now).total_seconds(), _snapshot(row, self.vendor)

    def _down_reason(self, state: BreakerState) -> str:
        return (
            f"{self.vendor} is down since {_clock(state.outage_started_at)} UTC ({state.failures} failures in a row; "
            f"last error: {state.last_error}); not asked again before {_clock(state.next_probe_at)} UTC"
        )


class NoBreaker:
    """For a backend built without a database (the offline embedded default, a one-off script): no shared state."""

    def admit(self, wait: bool = True) -> None:
        return None

    def succeeded(self) -> None:
        return None

    def failed(self, problem: str) -> bool:
        return False


def seconds_until_probe(database_url: str, vendor: str) -> float | None:
    """None when the vendor's breaker is closed; else the seconds until its next probe is due (0 when due now)."""
    with session_scope(database_url) as session:
        row = session.get(VendorBreakerRow, vendor)
        if row is None or row.state != "open":
            return None
        due = as_utc(row.next_probe_at or utcnow())
        return max(0.0, (due - utcnow()).total_seconds())


def breaker_states(database_url: str, vendors: list[str] | None = None) -> list[BreakerState]:
    with session_scope(database_url) as session:
        query = select(VendorBreakerRow).order_by(VendorBreakerRow.vendor)
        if vendors is not None:
            query = query.where(VendorBreakerRow.vendor.in_(vendors))
        return [_snapshot(row, row.vendor) for row in session.scalars(query)]


def _snapshot(row: VendorBreakerRow | None, vendor: str) -> BreakerState:
    if row is None:
        return BreakerState(vendor, "closed", 0, None, None, 0, None)
    return BreakerState(
        row.vendor,
        row.state,
        row.failures,
        row.opened_at,
        row.next_probe_at,
        row.probes,
        row.last_error,
        row.outage_started_at,
    )


def _clock(value: datetime | None) -> str:
    return "?" if value is None else f"{as_utc(value):%Y-%m-%d %H:%M:%S}"


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=utcnow().tzinfo)


def _locked(session: Session, vendor: str) -> VendorBreakerRow:
    """The vendor's row, locked for this transaction; created closed on first use."""
    query = select(VendorBreakerRow).where(VendorBreakerRow.vendor == vendor).with_for_update()
    row = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(VendorBreakerRow(vendor=vendor, state="closed", failures=0, probes=0))
    except IntegrityError:
        pass  # another process created it first
    return session.scalars(query.execution_options(populate_existing=True)).one()
