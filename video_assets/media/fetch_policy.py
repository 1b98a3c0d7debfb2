"""What a fetch may do: size and time limits, redirects, and the hosts, local roots and S3 sources it may reach."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from video_assets.media.s3_sources import S3Sources


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 50 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # Held by a watchdog whatever the server does (video_assets/media/watchdog.py): socket timeouts restart with
    # every byte. Below the minimum average rate after the grace period, a download is cut before the total is up.
    total_timeout: float = 300.0
    min_bytes_per_second: float = 16 * 1024
    rate_grace_seconds: float = 20.0
    max_redirects: int = 3
    allow_hosts: frozenset[str] = frozenset()
    local_roots: tuple[Path, ...] = ()
    s3: S3Sources = field(default_factory=S3Sources)
    user_agent: str = "video-assets-ingest/0.1"
    ca_bundle: str | None = None
    # Where each material host's circuit breaker keeps the state every worker shares; empty: no breakers.
    breakers_database_url: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        normalised = frozenset(host.strip().strip("[]").lower().rstrip(".") for host in self.allow_hosts)
        object.__setattr__(self, "allow_hosts", normalised)

    def for_request(self, request_id: str) -> FetchPolicy:
        """The policy for one request's fetches: its own objects in the pipeline's store become readable."""
        return replace(self, s3=replace(self.s3, request_id=request_id))


def oversize_reason(size: int, policy: FetchPolicy) -> str:
    return f"the file is larger than the {policy.max_bytes / 1024 / 1024:g} MB limit ({size} bytes or more)"
