"""Each vendor's circuit breaker as the exporter serves it: a gauge per state, the failures in a row and the seconds
since it opened, by vendor kind (llm, tts, merge, host), the material hosts folded into one kind. The breakers are
driven through their own code on a real Postgres database; the exporter reads them as it reads our other tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from video_assets.db.engine import session_scope
from video_assets.metrics.families import Families
from video_assets.metrics.tables import TableReader
from video_assets.resilience import BreakerPolicy, VendorBreaker

# A breaker opens after 3 failures in a row; `probe_interval_seconds=0` makes its probe due at once (half-open).
POLICY = BreakerPolicy(failure_threshold=3, probe_interval_seconds=600)
DUE_NOW = BreakerPolicy(failure_threshold=3, probe_interval_seconds=0)
LATER = timedelta(seconds=120)
STATES = ("closed", "open", "half_open")
KINDS = ("llm", "tts", "merge", "host")


def fail(database_url: str, vendor: str, times: int, policy: BreakerPolicy = POLICY) -> VendorBreaker:
    breaker = VendorBreaker(database_url, vendor, policy)
    for _ in range(times):
        breaker.failed("503 Service Unavailable")
    return breaker


def refreshed(database_url: str, now: datetime) -> Families:
    families = Families()
    with session_scope(database_url) as session:
        TableReader(families).refresh(session, now)
    return families


def test_each_breaker_is_served_by_vendor_kind_with_its_state_failures_and_open_seconds(postgres_url: str) -> None:
    tts = fail(postgres_url, "tts", 3)
    fail(postgres_url, "llm", 1)
    fail(postgres_url, "host:cdn.example.com", 3)
    fail(postgres_url, "host:img.example.net:8443", 4, DUE_NOW)
    fail(postgres_url, "host:slow.example.org", 2)

    families = refreshed(postgres_url, datetime.now(UTC) + LATER)
    value = families.registry.get_sample_value

    def states(vendor: str) -> dict[str, float | None]:
        return {state: value("video_assets_vendor_breakers", {"vendor": vendor, "state": state}) for state in STATES}

    assert states("tts") == {"closed": 0, "open": 1, "half_open": 0}
    assert states("llm") == {"closed": 1, "open": 0, "half_open": 0}
    assert states("merge") == {"closed": 0, "open": 0, "half_open": 0}  # no breaker yet: its series is there
    assert states("host") == {"closed": 1, "open": 1, "half_open": 1}
    failures = {kind: value("video_assets_vendor_breaker_failures", {"vendor": kind}) for kind in KINDS}
    assert failures == {"llm": 1, "tts": 3, "merge": 0, "host": 4}
    open_seconds = {kind: value("video_assets_vendor_breaker_open_seconds", {"vendor": kind}) for kind in KINDS}
    assert open_seconds["llm"] == open_seconds["merge"] == 0
    assert LATER.total_seconds() <= open_seconds["tts"] < LATER.total_seconds() + 60  # type: ignore[operator]
    assert LATER.total_seconds() <= open_seconds["host"] < LATER.total_seconds() + 60  # type: ignore[operator]
    served = {sample.labels.get("vendor") for metric in families.registry.collect() for sample in metric.samples}
    assert served - {None} == set(KINDS), "a host or backend name leaked into a label"

    tts.succeeded()
    families = refreshed(postgres_url, datetime.now(UTC))
    value = families.registry.get_sample_value
    assert states("tts") == {"closed": 1, "open": 0, "half_open": 0}
    assert value("video_assets_vendor_breaker_open_seconds", {"vendor": "tts"}) == 0
