"""Each vendor's circuit breaker (video_assets/resilience) as gauges, read whole from `vendor_breakers` at each refresh.

The `vendor` label is the breaker's kind, so its values are a fixed few: `llm`, `tts`, `merge` (one breaker per merge
backend) and `host`, every material host folded into one. A kind's state gauge counts its breakers in each state
(0 or 1 for the one LLM and TTS breaker); its failures and open seconds are those of its worst breaker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.vendor_models import VendorBreakerRow
from video_assets.metrics.families import Families
from video_assets.resilience.breaker import as_utc

KINDS = ("llm", "tts", "merge", "host")
STATES = ("closed", "open", "half_open")


@dataclass
class KindReading:
    states: dict[str, int]
    failures: int = 0
    open_seconds: float = 0.0


def _no_breakers() -> KindReading:
    return KindReading(dict.fromkeys(STATES, 0))


def vendor_kind(vendor: str) -> str:
    """ "merge:easegen" -> "merge", "host:cdn.example.com:8080" -> "host"."""
    return vendor.split(":", 1)[0]


def breaker_state(state: str, next_probe_at: datetime | None, now: datetime) -> str:
    """Half-open: open, and its next probe is due, so the next call goes through as the trial."""
    if state != "open":
        return "closed"
    return "half_open" if next_probe_at is not None and as_utc(next_probe_at) <= now else "open"


def read_breakers(session: Session, now: datetime) -> dict[str, KindReading]:
    # Every kind has its series before its first failure, so an alert's expression is never empty.
    readings = {kind: _no_breakers() for kind in KINDS}
    columns = (VendorBreakerRow.vendor, VendorBreakerRow.state, VendorBreakerRow.failures)
    rows = session.execute(select(*columns, VendorBreakerRow.opened_at, VendorBreakerRow.next_probe_at))
    for vendor, state, failures, opened_at, next_probe_at in rows:
        reading = readings.setdefault(vendor_kind(vendor), _no_breakers())
        reading.states[breaker_state(state, next_probe_at, now)] += 1
        reading.failures = max(reading.failures, failures)
        if state == "open" and opened_at is not None:
            reading.open_seconds = max(reading.open_seconds, (now - as_utc(opened_at)).total_seconds())
    return readings


def set_breaker_gauges(families: Families, session: Session, now: datetime) -> None:
    for kind, reading in read_breakers(session, now).items():
        for state, count in reading.states.items():
            families.breakers.labels(kind, state).set(count)
        families.breaker_failures.labels(kind).set(reading.failures)
        families.breaker_open_seconds.labels(kind).set(max(0.0, reading.open_seconds))
