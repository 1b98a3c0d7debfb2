"""Choosing the backend from settings: the offline planner by default, an OpenAI-compatible endpoint on request.

The OpenAI SDK (half a second to import) is imported only when that backend is chosen, as the TTS factory does: the
run worker that imports the code location to orchestrate steps never calls it."""

from __future__ import annotations

from typing import Any, Literal

from video_assets.llm.backend import LlmBackend
from video_assets.llm.offline import OfflinePlanner


def make_llm_backend(kind: Literal["offline", "openai"] = "offline", **settings: Any) -> LlmBackend:
    """`settings` are OpenAICompatibleBackend's keyword arguments (base_url, api_key, text_model, ...)."""
    if kind == "offline":
        return OfflinePlanner()
    if kind == "openai":
        missing = [name for name in ("api_key", "text_model") if not settings.get(name)]
        if missing:
            raise ValueError(f"the openai LLM backend needs {', '.join(missing)}")
        settings.setdefault("base_url", None)
        from video_assets.llm.openai_backend import OpenAICompatibleBackend

        return OpenAICompatibleBackend(**settings)
    raise ValueError(f"unknown LLM backend {kind!r} (expected 'offline' or 'openai')")
