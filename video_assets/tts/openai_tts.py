"""TTS through any OpenAI-compatible `audio.speech` endpoint; word timings are estimated within the clip.

Every call goes through a VendorGuard (video_assets/resilience): the TTS vendor's breaker and rate limit, shared by
every worker when a database is configured, and our own retries (the SDK's are off). `call_deadline` bounds a whole
exchange, which a server dripping its answer would otherwise stretch without end; `timeout` bounds each wait.
"""

from __future__ import annotations

from pathlib import Path

import httpx2

from video_assets.openai_errors import status_error_text
from video_assets.redaction import register_secret
from video_assets.resilience import NoBreaker, VendorGuard, VendorOutlasted
from video_assets.total_deadline import deadline_transport, total_deadline
from video_assets.transient import is_transient
from video_assets.tts.base import Narration, TtsError, probe_audio_duration
from video_assets.tts.timing import estimate_timings

# The endpoint returns no timings; speech usually starts and ends with a short silence.
EDGE_SILENCE = 0.05


class OpenAITts:
    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        model: str = "tts-1",
        voice: str = "alloy",
        speed: float = 1.0,
        response_format: str = "mp3",
        timeout: float = 120.0,
        max_retries: int = 2,
        call_deadline: float = 300.0,
        guard: VendorGuard | None = None,
    ) -> None:
        from openai import OpenAI

        register_secret(api_key)
        http_client = httpx2.Client(transport=deadline_transport(), timeout=timeout)
        self.client = OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0, http_client=http_client
        )
        # `max_retries` applies when no guard is given; a guard brings its own.
        self.guard = guard or VendorGuard(NoBreaker(), max_retries=max_retries)
        self.call_deadline = call_deadline
        self.model = model
        self.voice = voice
        self.speed = speed
        self.response_format = response_format

    def synthesize(self, text: str, language: str, voice: str | None, out_path: Path) -> Narration:
        import openai

        if not text.strip():
            raise TtsError("OpenAI TTS: narration text is empty")
        out_path = out_path.with_suffix(f".{self.response_format}")
        out_path.parent.mkdir(parents=True, exist_ok=True)

        def speak() -> bytes:
            with total_deadline(self.call_deadline):
                return self.client.audio.speech.create(
                    model=self.model,
                    voice=voice or self.voice,
                    input=text,
                    speed=self.speed,
                    response_format=self.response_format,
                ).content

        try:
            audio = self.guard.call("OpenAI TTS", speak)
        except VendorOutlasted as exc:
            raise TtsError(f"OpenAI TTS: {exc}", transient=False) from None
        except openai.OpenAIError as exc:
            status = isinstance(exc, openai.APIStatusError)
            reason = status_error_text(exc) if status else f"{type(exc).__name__}: {exc}"
            # `from None`: the SDK error's text is the provider's raw body, which Dagster would store unredacted.
            raise TtsError(f"OpenAI TTS request failed: {reason}", transient=is_transient(exc)) from None
        out_path.write_bytes(audio)
        duration = probe_audio_duration(out_path)
        words = estimate_timings(text, min(EDGE_SILENCE, duration / 10), max(duration - EDGE_SILENCE, duration * 0.9))
        return Narration(audio_path=out_path, duration=duration, words=words, timings_measured=False)
