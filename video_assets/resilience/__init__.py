"""Vendor resilience: circuit breakers and rate limits whose state every worker process shares through Postgres,
and the guard every vendor client calls through."""

from video_assets.resilience.breaker import (
    BreakerPolicy,
    NoBreaker,
    VendorBreaker,
    VendorDown,
    VendorOutlasted,
    breaker_states,
)
from video_assets.resilience.guard import VendorGuard, full_jitter, shared_guard

__all__ = [
    "BreakerPolicy",
    "NoBreaker",
    "VendorBreaker",
    "VendorDown",
    "VendorGuard",
    "VendorOutlasted",
    "breaker_states",
    "full_jitter",
    "shared_guard",
]
