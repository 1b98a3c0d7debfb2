from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from resources.env import FromSettings
from video_assets.merge import EasegenBackend, MergeBackend
from video_assets.resilience import shared_guard
from video_assets.resilience.breaker import DEFAULT_PATIENCE_SECONDS
from video_assets.settings import Settings


class MergeResource(FromSettings):
    """Where videos are composed: `local` (one ffmpeg pass in the render step) or an external merge vendor
    (`easegen`), which the render step submits to and the `reconcile_external_merges` schedule polls."""

    backend: Literal["local", "easegen"] = "local"
    base_url: str = ""
    api_key: str = Field(default="", repr=False, description="vendor API key (secret)")
    deadline_seconds: int = 1800
    timeout_seconds: float = 5.0
    requests_per_minute: float = 60.0
    # Where the vendor's breaker and rate limit keep the state every worker shares; empty: none (one-off use).
    database_url: str = Field("", repr=False)
    patience_seconds: float = DEFAULT_PATIENCE_SECONDS

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {
            "backend": settings.merge_backend,
            "base_url": settings.merge_base_url,
            "api_key": settings.merge_api_key.get_secret_value(),
            "deadline_seconds": settings.merge_deadline_seconds,
            "requests_per_minute": settings.merge_requests_per_minute,
            "database_url": settings.database_url.get_secret_value(),
            "patience_seconds": settings.merge_patience_seconds,
        }

    @property
    def is_external(self) -> bool:
        return self.backend != "local"

    @property
    def vendor(self) -> str:
        """The vendor's breaker."""
        return f"merge:{self.backend}"

    def client(self) -> MergeBackend:
        """A submission meeting an open breaker hands the render step's slot back instead of waiting in it; polls
        never wait."""
        if not self.base_url:
            raise ValueError(f"merge backend {self.backend!r} needs VIDEO_ASSETS_MERGE_BASE_URL")
        guard = shared_guard(
            self.database_url, self.vendor, self.patience_seconds, self.requests_per_minute, waits=False
        )
        return EasegenBackend(self.base_url, self.api_key, timeout_seconds=self.timeout_seconds, guard=guard)
