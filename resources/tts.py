from __future__ import annotations

from typing import Literal

import dagster as dg

from video_assets.tts import TtsEngine, make_tts


class TtsResource(dg.ConfigurableResource):
    """Narration: espeak-ng offline by default; OpenAI TTS (`api_key` is an EnvVar) or edge-tts (extra `edge`)."""

    backend: Literal["espeak", "openai", "edge"] = "espeak"
    base_url: str = ""
    api_key: str = ""
    model: str = "tts-1"
    voice: str = ""  # default OpenAI voice; a request's `voice` overrides it per video
    espeak_speed: int = 175

    def engine(self) -> TtsEngine:
        if self.backend == "espeak":
            return make_tts("espeak", speed=self.espeak_speed)
        if self.backend == "openai":
            return make_tts(
                "openai",
                api_key=self.api_key,
                base_url=self.base_url or None,
                model=self.model,
                **({"voice": self.voice} if self.voice else {}),
            )
        return make_tts("edge")
