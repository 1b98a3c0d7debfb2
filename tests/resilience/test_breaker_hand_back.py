"""A caller that must not wait on an open breaker (a render step that hands its slot back) learns how long until the
next probe, and once the outage outlasts the vendor's patience it gets the vendor's final answer instead, as a
waiting caller would. On real Postgres, through the breaker's own row."""

from __future__ import annotations

import time

import pytest

from video_assets.resilience import BreakerPolicy, VendorBreaker, VendorDown, VendorOutlasted
from video_assets.resilience.breaker import seconds_until_probe

POLICY = BreakerPolicy(failure_threshold=1, probe_interval_seconds=30.0, patience_seconds=2.0)


def test_an_open_breaker_tells_a_caller_that_does_not_wait_when_to_come_back_until_its_patience_runs_out(
    postgres_url: str,
) -> None:
    breaker = VendorBreaker(postgres_url, "tts", POLICY)
    assert seconds_until_probe(postgres_url, "tts") is None
    breaker.admit(wait=False)  # closed: goes through

    assert breaker.failed("503 Service Unavailable")
    with pytest.raises(VendorDown) as down:
        breaker.admit(wait=False)
    until_probe = seconds_until_probe(postgres_url, "tts")
    assert until_probe is not None and 25 < until_probe <= POLICY.probe_interval_seconds
    assert "tts is down since" in str(down.value)

    time.sleep(POLICY.patience_seconds + 0.5)
    with pytest.raises(VendorOutlasted) as outlasted:
        breaker.admit(wait=False)
    assert "longer than its patience of 2 s" in str(outlasted.value)

    breaker.succeeded()
    assert seconds_until_probe(postgres_url, "tts") is None
