"""One way to call a vendor (TTS, the merge vendor, a material host): its shared breaker first, then its shared rate
limit, then the call; the outcome is reported back to the breaker.

A transient failure that leaves the breaker open is not an attempt spent: the caller waits in `admit` for its turn to
probe (bounded by the vendor's patience) and calls again, so an outage is waited out without storming the vendor. A
failure the breaker can absorb is retried up to `max_retries` times with full-jitter backoff. `repeatable` vetoes a
repeat that could do harm (a submission the vendor may have received); such an error is counted and raised.
A refusal (a permanent error) proves the vendor is up, so it closes the breaker before it propagates.

A guard built with `waits=False` never waits out an open breaker in its own process, whatever the call asks: the
caller (a render step) gets VendorDown at once and hands its Dagster pool slot back until the next probe is due
(video_assets/assets/vendor_waits.py), so a vendor's outage does not hold the slots other work needs.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from video_assets.redaction import redact
from video_assets.resilience.breaker import BreakerPolicy, NoBreaker, VendorBreaker
from video_assets.resilience.shared_bucket import SharedTokenBucket
from video_assets.transient import is_transient

log = logging.getLogger(__name__)
Result = TypeVar("Result")


def full_jitter(attempt: int, base_seconds: float, max_seconds: float, at_least: float = 0.0) -> float:
    """The wait before retry `attempt` (1, 2, ...): uniform up to an exponential ceiling, so parallel workers spread
    apart; never less than `at_least` (a Retry-After) nor more than `max_seconds`."""
    ceiling = min(max_seconds, base_seconds * 2 ** (attempt - 1))
    return min(max_seconds, max(random.uniform(0.0, ceiling), at_least))


@dataclass
class VendorGuard:
    breaker: VendorBreaker | NoBreaker
    bucket: SharedTokenBucket | None = None
    max_retries: int = 0
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    waits: bool = True

    def call(
        self,
        what: str,
        work: Callable[[], Result],
        wait: bool = True,
        repeatable: Callable[[Exception], bool] = lambda _error: True,
    ) -> Result:
        """`work()` under the breaker and rate limit. With `wait=False` an open breaker raises VendorDown at once
        instead of waiting for a turn to probe. VendorOutlasted and VendorDown propagate for the caller to word."""
        wait = wait and self.waits
        attempt = 0
        while True:
            self.breaker.admit(wait)
            if self.bucket is not None:
                self.bucket.acquire(1)
            try:
                result = work()
            except Exception as error:
                if not is_transient(error):
                    self.breaker.succeeded()  # the vendor answered, and refused this call
                    raise
                # A vendor's error may echo the key it was sent: redacted before it is stored or logged.
                reason = redact(f"{type(error).__name__}: {error}")
                is_open = self.breaker.failed(f"{what}: {reason}")
                if not repeatable(error) or (is_open and not wait):
                    raise
                if is_open:
                    log.warning("%s failed (%s); the breaker is open, waiting for a turn to probe", what, reason)
                    continue
                attempt += 1
                if attempt > self.max_retries:
                    raise
                delay = full_jitter(attempt, self.backoff_base_seconds, self.backoff_max_seconds)
                log.warning("%s attempt %d failed (%s); retrying in %.1fs", what, attempt, reason, delay)
                self.sleep(delay)
                continue
            self.breaker.succeeded()
            return result


def shared_guard(
    database_url: str,
    vendor: str,
    patience_seconds: float,
    requests_per_minute: float | None = None,
    max_retries: int = 0,
    policy: BreakerPolicy | None = None,
    waits: bool = True,
) -> VendorGuard:
    """The guard of a vendor whose breaker and rate limit every worker shares through `database_url` (none when it
    is empty: an offline or one-off use)."""
    if not database_url:
        return VendorGuard(NoBreaker(), max_retries=max_retries)
    breaker_policy = replace(policy or BreakerPolicy(), patience_seconds=patience_seconds)
    bucket = SharedTokenBucket(database_url, f"{vendor}:requests", requests_per_minute) if requests_per_minute else None
    breaker = VendorBreaker(database_url, vendor, breaker_policy)
    return VendorGuard(breaker, bucket, max_retries=max_retries, waits=waits)
