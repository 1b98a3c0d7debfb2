from __future__ import annotations

from typing import Literal

import dagster as dg

from video_assets.llm import LlmBackend, make_llm_backend


class LlmResource(dg.ConfigurableResource):
    """Describes materials and writes scripts: the offline planner by default, or any OpenAI-compatible endpoint
    (OpenAI, DeepSeek, Qwen/DashScope, vLLM, Ollama) via `base_url`. The API key is an EnvVar."""

    backend: Literal["offline", "openai"] = "offline"
    base_url: str = ""
    api_key: str = ""
    text_model: str = ""
    vision_model: str = ""
    timeout_seconds: float = 60.0
    max_retries: int = 4
    requests_per_minute: float = 60.0
    tokens_per_minute: float = 200_000.0
    workers: int = 4
    max_failed_share: float = 0.9

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
        )
