from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from resources.env import FromSettings
from video_assets.resilience import shared_guard
from video_assets.resilience.breaker import DEFAULT_PATIENCE_SECONDS
from video_assets.settings import Settings
from video_assets.tts import TtsEngine, make_tts


class TtsResource(FromSettings):
    """Narration: espeak-ng offline by default; OpenAI TTS or edge-tts (extra `edge`)."""

    backend: Literal["espeak", "openai", "edge"] = "espeak"
    base_url: str = ""
    api_key: str = Field("", repr=False)
    model: str = "tts-1"
    voice: str = ""  # default OpenAI voice; a request's `voice` overrides it per video
    espeak_speed: int = 175
    max_retries: int = 2
    requests_per_minute: float = 50.0
    # Where the TTS vendor's breaker and rate limit keep the state every worker shares; empty: none (one-off use).
    database_url: str = Field("", repr=False)
    patience_seconds: float = DEFAULT_PATIENCE_SECONDS

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {
            "backend": settings.tts_backend,
            "base_url": settings.tts_base_url,
            "api_key": settings.tts_api_key.get_secret_value(),
            "model": settings.tts_model,
            "voice": settings.tts_voice,
            "requests_per_minute": settings.tts_requests_per_minute,
            "database_url": settings.database_url.get_secret_value(),
            "patience_seconds": settings.tts_patience_seconds,
        }

    @property
    def vendor(self) -> str | None:
        """The breaker the narration waits on; None for espeak-ng, which runs here."""
        return None if self.backend == "espeak" else "tts"

    def engine(self) -> TtsEngine:
        """For a render step: an open breaker hands the step's `render` slot back instead of waiting in it."""
        if self.backend == "espeak":
            return make_tts("espeak", speed=self.espeak_speed)
        guard = shared_guard(
            self.database_url,
            "tts",
            self.patience_seconds,
            self.requests_per_minute,
            self.max_retries,
            waits=False,
        )
        if self.backend == "openai":
            return make_tts(
                "openai",
                api_key=self.api_key,
                base_url=self.base_url or None,
                model=self.model,
                guard=guard,
                **({"voice": self.voice} if self.voice else {}),
            )
        return make_tts("edge", guard=guard)
