from __future__ import annotations

from pathlib import Path
from typing import Any

from resources.env import FromSettings
from video_assets.media import FetchPolicy, IngestPolicy
from video_assets.settings import Settings


class IngestResource(FromSettings):
    """Guards for fetching materials: local roots, SSRF allow-list, size cap, pool size, keyframe count."""

    local_roots: list[str] = []
    fetch_allow_hosts: list[str] = []
    max_material_bytes: int = 50 * 1024 * 1024
    workers: int = 4
    keyframe_count: int = 4

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {
            "local_roots": [str(root) for root in settings.local_roots],
            "fetch_allow_hosts": list(settings.fetch_allow_hosts),
            "max_material_bytes": settings.max_material_bytes,
            "workers": settings.fetch_workers,
        }

    def policy(self) -> IngestPolicy:
        fetch = FetchPolicy(
            max_bytes=self.max_material_bytes,
            allow_hosts=frozenset(self.fetch_allow_hosts),
            local_roots=tuple(Path(root) for root in self.local_roots),
        )
        return IngestPolicy(fetch=fetch, keyframe_count=self.keyframe_count)
