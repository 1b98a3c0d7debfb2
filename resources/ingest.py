from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from resources.env import FromSettings
from video_assets.media import FetchPolicy, IngestPolicy, S3Sources
from video_assets.settings import Settings


class IngestResource(FromSettings):
    """Guards for fetching materials: local roots, SSRF allow-list, S3 sources, size cap, deadline and minimum rate,
    pool size, keyframe count."""

    local_roots: list[str] = []
    fetch_allow_hosts: list[str] = []
    s3_material_sources: list[str] = []
    # The pipeline's own bucket, whose requests/ keys only their own request may read.
    store_bucket: str = ""
    max_material_bytes: int = 50 * 1024 * 1024
    timeout_seconds: float = 300.0
    min_bytes_per_second: float = 16384.0
    rate_grace_seconds: float = 20.0
    workers: int = 4
    keyframe_count: int = 4
    # Where each material host's circuit breaker keeps the state every worker shares; empty: no breakers.
    database_url: str = Field("", repr=False)

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {
            "local_roots": [str(root) for root in settings.local_roots],
            "fetch_allow_hosts": list(settings.fetch_allow_hosts),
            "s3_material_sources": list(settings.s3_material_sources),
            "store_bucket": settings.s3_bucket if settings.storage == "s3" else "",
            "max_material_bytes": settings.max_material_bytes,
            "timeout_seconds": settings.fetch_timeout_seconds,
            "min_bytes_per_second": settings.fetch_min_bytes_per_second,
            "rate_grace_seconds": settings.fetch_rate_grace_seconds,
            "workers": settings.fetch_workers,
            "database_url": settings.database_url.get_secret_value(),
        }

    def policy(self) -> IngestPolicy:
        fetch = FetchPolicy(
            max_bytes=self.max_material_bytes,
            total_timeout=self.timeout_seconds,
            min_bytes_per_second=self.min_bytes_per_second,
            rate_grace_seconds=self.rate_grace_seconds,
            allow_hosts=frozenset(self.fetch_allow_hosts),
            local_roots=tuple(Path(root) for root in self.local_roots),
            s3=S3Sources(allowed=tuple(self.s3_material_sources), store_bucket=self.store_bucket),
            breakers_database_url=self.database_url,
        )
        return IngestPolicy(fetch=fetch, keyframe_count=self.keyframe_count)
