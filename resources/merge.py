from __future__ import annotations

from typing import Literal

import dagster as dg
from pydantic import Field

from video_assets.merge import EasegenBackend, MergeBackend


class MergeResource(dg.ConfigurableResource):
    """Where videos are composed: `local` (one ffmpeg pass in the render step) or an external merge vendor
    (`easegen`), which the render step submits to and the `reconcile_external_merges` schedule polls."""

    backend: Literal["local", "easegen"] = "local"
    base_url: str = ""
    api_key: str = Field(default="", description="vendor API key (secret: an EnvVar)")
    deadline_seconds: int = 1800
    timeout_seconds: float = 5.0

    @property
    def is_external(self) -> bool:
        return self.backend != "local"

    def client(self) -> MergeBackend:
        if not self.base_url:
            raise ValueError(f"merge backend {self.backend!r} needs VIDEO_ASSETS_MERGE_BASE_URL")
        return EasegenBackend(self.base_url, self.api_key, timeout_seconds=self.timeout_seconds)
