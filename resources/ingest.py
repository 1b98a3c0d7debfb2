from __future__ import annotations

from pathlib import Path

import dagster as dg

from video_assets.media import FetchPolicy, IngestPolicy


class IngestResource(dg.ConfigurableResource):
    """Guards for fetching materials: local roots, SSRF allow-list, size cap, pool size, keyframe count."""

    local_roots: list[str] = []
    fetch_allow_hosts: list[str] = []
    max_material_bytes: int = 50 * 1024 * 1024
    workers: int = 4
    keyframe_count: int = 4

    def policy(self) -> IngestPolicy:
        fetch = FetchPolicy(
            max_bytes=self.max_material_bytes,
            allow_hosts=frozenset(self.fetch_allow_hosts),
            local_roots=tuple(Path(root) for root in self.local_roots),
        )
        return IngestPolicy(fetch=fetch, keyframe_count=self.keyframe_count)
