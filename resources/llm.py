from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from resources.env import FromSettings
from video_assets.llm import LlmBackend, make_llm_backend
from video_assets.llm.rate_limit import RateLimiter
from video_assets.resilience import BreakerPolicy, VendorBreaker
from video_assets.resilience.breaker import DEFAULT_PATIENCE_SECONDS
from video_assets.settings import Settings


class LlmResource(FromSettings):
    """Describes materials and writes scripts: the offline planner by default, or any OpenAI-compatible endpoint
    (OpenAI, DeepSeek, Qwen/DashScope, vLLM, Ollama) via `base_url`."""

    backend: Literal["offline", "openai"] = "offline"
    base_url: str = ""
    api_key: str = Field("", repr=False)
    text_model: str = ""
    vision_model: str = ""
    timeout_seconds: float = 60.0
    max_retries: int = 4
    requests_per_minute: float = 60.0
    tokens_per_minute: float = 200_000.0
    workers: int = 4
    max_failed_share: float = 0.9
    # Where the LLM's circuit breaker keeps the state every worker shares; empty: no breaker (offline, one-off use).
    database_url: str = Field("", repr=False)
    patience_seconds: float = DEFAULT_PATIENCE_SECONDS

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {
            "backend": settings.llm_backend,
            "base_url": settings.llm_base_url,
            "api_key": settings.llm_api_key.get_secret_value(),
            "text_model": settings.llm_text_model,
            "vision_model": settings.llm_vision_model,
            "requests_per_minute": settings.llm_requests_per_minute,
            "tokens_per_minute": settings.llm_tokens_per_minute,
            "workers": settings.llm_workers,
            "database_url": settings.database_url.get_secret_value(),
            "patience_seconds": settings.llm_patience_seconds,
        }

    def client(self) -> LlmBackend:
        """One client per step, so its rate limiter is shared by the step's parallel calls."""
        if self.backend == "offline":
            return make_llm_backend("offline")
        return make_llm_backend(
            "openai",
            base_url=self.base_url or None,
            api_key=self.api_key,
            text_model=self.text_model,
            vision_model=self.vision_model or None,
            timeout=self.timeout_seconds,
            max_retries=self.max_retries,
            requests_per_minute=self.requests_per_minute,
            tokens_per_minute=self.tokens_per_minute,
            **self._shared_state(),
        )

    def _shared_state(self) -> dict[str, Any]:
        """The breaker and rate limits every worker shares through the database, when there is one."""
        if not self.database_url:
            return {}
        return {
            "breaker": VendorBreaker(self.database_url, "llm", BreakerPolicy(patience_seconds=self.patience_seconds)),
            "limiter": RateLimiter.shared(self.database_url, "llm", self.requests_per_minute, self.tokens_per_minute),
        }
