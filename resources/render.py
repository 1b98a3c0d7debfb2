from __future__ import annotations

import dagster as dg

from video_assets.stages.rendering import EncodeSettings


class RenderResource(dg.ConfigurableResource):
    """Encoder settings for the single ffmpeg pass (H.264 + AAC, +faststart)."""

    crf: int = 23
    preset: str = "veryfast"

    def settings(self) -> EncodeSettings:
        return EncodeSettings(crf=self.crf, preset=self.preset)
