"""Vendor resilience: circuit breakers whose state every worker process shares through Postgres."""

from video_assets.resilience.breaker import (
    BreakerPolicy,
    NoBreaker,
    VendorBreaker,
    VendorOutlasted,
    breaker_states,
)

__all__ = ["BreakerPolicy", "NoBreaker", "VendorBreaker", "VendorOutlasted", "breaker_states"]
