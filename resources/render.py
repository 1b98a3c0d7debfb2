from __future__ import annotations

from typing import Any

from resources.env import FromSettings
from video_assets.settings import Settings
from video_assets.stages.rendering import EncodeSettings


class RenderResource(FromSettings):
    """Encoder settings for the single ffmpeg pass (H.264 + AAC, +faststart)."""

    crf: int = 23
    preset: str = "veryfast"

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {"crf": settings.render_crf, "preset": settings.render_preset}

    def settings(self) -> EncodeSettings:
        return EncodeSettings(crf=self.crf, preset=self.preset)
