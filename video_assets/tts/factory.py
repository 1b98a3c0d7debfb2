"""Pick a TTS backend by name with its settings."""

from __future__ import annotations

from typing import Any

from video_assets.tts.base import TtsEngine, TtsError

BACKENDS = ("espeak", "openai", "edge")


def make_tts(backend: str, **settings: Any) -> TtsEngine:
    """`backend` is one of espeak | openai | edge; settings go to that backend's constructor."""
    name = backend.strip().lower().replace("-", "_")
    try:
        if name in ("espeak", "espeak_ng"):
            from video_assets.tts.espeak import EspeakTts

            return EspeakTts(**settings)
        if name == "openai":
            from video_assets.tts.openai_tts import OpenAITts

            return OpenAITts(**settings)
        if name in ("edge", "edge_tts"):
            from video_assets.tts.edge import EdgeTts

            return EdgeTts(**settings)
    except TypeError as exc:
        raise TtsError(f"bad settings for TTS backend '{backend}': {exc}") from exc
    raise TtsError(f"unknown TTS backend '{backend}' (choose one of: {', '.join(BACKENDS)})")
