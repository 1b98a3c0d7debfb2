"""Client-side token buckets for requests/minute and tokens/minute: in memory, shared by all threads of one backend,
or (RateLimiter.shared) in Postgres, shared by every worker process (video_assets.resilience.shared_bucket)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from video_assets.resilience.shared_bucket import SharedTokenBucket


class Bucket(Protocol):
    capacity: float

    def acquire(self, amount: float = 1.0) -> float: ...

    def charge(self, amount: float) -> None: ...


class TokenBucket:
    """`capacity` units refilled evenly over 60 s. A request larger than the bucket waits for a full bucket."""

    def __init__(
        self,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("a rate limit must be positive")
        self.capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._level = float(per_minute)
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self, amount: float = 1.0) -> float:
        """Take `amount` units, waiting as long as needed; returns the seconds waited."""
        amount = min(float(amount), self.capacity)
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._level >= amount:
                    self._level -= amount
                    return waited
                shortfall = (amount - self._level) / self._rate
            self._sleep(shortfall)
            waited += shortfall

    def charge(self, amount: float) -> None:
        """Take units after the fact (the real token count is known only from the response); may go negative."""
        with self._lock:
            self._refill()
            self._level -= amount

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._updated) * self._rate)
        self._updated = now


class RateLimiter:
    """Both limits at once; a limit of None or 0 means unlimited."""

    def __init__(
        self,
        requests_per_minute: float | None,
        tokens_per_minute: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.requests: Bucket | None = TokenBucket(requests_per_minute, clock, sleep) if requests_per_minute else None
        self.tokens: Bucket | None = TokenBucket(tokens_per_minute, clock, sleep) if tokens_per_minute else None

    @classmethod
    def shared(
        cls,
        database_url: str,
        vendor: str,
        requests_per_minute: float | None,
        tokens_per_minute: float | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RateLimiter:
        """Both limits held across every process that uses the same database and vendor name."""
        limiter = cls(None, None)
        if requests_per_minute:
            limiter.requests = SharedTokenBucket(database_url, f"{vendor}:requests", requests_per_minute, sleep)
        if tokens_per_minute:
            limiter.tokens = SharedTokenBucket(database_url, f"{vendor}:tokens", tokens_per_minute, sleep)
        return limiter

    def acquire(self, estimated_tokens: int) -> float:
        waited = self.requests.acquire(1) if self.requests else 0.0
        return waited + (self.tokens.acquire(estimated_tokens) if self.tokens else 0.0)

    def settle(self, estimated_tokens: int, actual_tokens: int | None) -> None:
        """Correct the token bucket once the response reports real usage. The usage is the vendor's word, so it is
        bounded first: at most one full bucket is charged, which costs at most a minute's wait, whatever it says."""
        if self.tokens and actual_tokens is not None and actual_tokens > estimated_tokens:
            self.tokens.charge(min(actual_tokens, self.tokens.capacity) - estimated_tokens)
