"""Microsoft Edge read-aloud TTS (optional `edge` extra); word boundaries come from the service.

edge-tts 7 sends sentence boundaries unless asked for `boundary="WordBoundary"`; its words are cut by the service's
own segmenter, so they are mapped onto our units (video_assets/tts/timing.py: align_boundaries).

Every call goes through a VendorGuard (video_assets/resilience), as OpenAI TTS does: the TTS vendor's breaker and
rate limit, shared by every worker when a database is configured. `call_deadline` bounds a whole exchange.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from video_assets.resilience import NoBreaker, VendorGuard, VendorOutlasted
from video_assets.transient import TRANSIENT_HTTP_STATUS, is_transient
from video_assets.tts.base import Narration, TtsError, WordTiming, probe_audio_duration
from video_assets.tts.timing import align_boundaries, estimate_timings

DEFAULT_VOICES = {"zh": "zh-CN-XiaoxiaoNeural", "en": "en-US-AriaNeural"}
TICKS_PER_SECOND = 10_000_000


class EdgeTts:
    def __init__(self, rate: str = "+0%", call_deadline: float = 300.0, guard: VendorGuard | None = None) -> None:
        try:
            import edge_tts
        except ImportError as exc:
            raise TtsError("edge-tts backend needs the optional extra: pip install 'video-assets[edge]'") from exc
        self._edge_tts = edge_tts
        self.rate = rate
        self.call_deadline = call_deadline
        self.guard = guard or VendorGuard(NoBreaker())

    def synthesize(self, text: str, language: str, voice: str | None, out_path: Path) -> Narration:
        if not text.strip():
            raise TtsError("edge-tts: narration text is empty")
        chosen = voice or DEFAULT_VOICES.get(language.split("-")[0], DEFAULT_VOICES["en"])
        out_path = out_path.with_suffix(".mp3")
        out_path.parent.mkdir(parents=True, exist_ok=True)

        def speak() -> list[WordTiming]:
            try:
                return asyncio.run(asyncio.wait_for(self._stream(text, chosen, out_path), self.call_deadline))
            except Exception as exc:  # edge-tts raises several unrelated exception types for network trouble
                raise TtsError(f"edge-tts failed with voice '{chosen}': {exc}", _edge_transient(exc)) from None

        try:
            boundaries = self.guard.call("edge-tts", speak)
        except VendorOutlasted as exc:
            raise TtsError(f"edge-tts: {exc}", transient=False) from None
        duration = probe_audio_duration(out_path)
        if boundaries:
            words = align_boundaries(text, boundaries)
            return Narration(audio_path=out_path, duration=duration, words=words, timings_measured=True)
        return Narration(audio_path=out_path, duration=duration, words=estimate_timings(text, 0.0, duration))

    async def _stream(self, text: str, voice: str, out_path: Path) -> list[WordTiming]:
        communicate = self._edge_tts.Communicate(text, voice, rate=self.rate, boundary="WordBoundary")
        words: list[WordTiming] = []
        with out_path.open("wb") as audio:
            async for chunk in communicate.stream():
                if chunk["type"] == "audio":
                    audio.write(chunk["data"])
                elif chunk["type"] == "WordBoundary":
                    start = chunk["offset"] / TICKS_PER_SECOND
                    words.append(WordTiming(chunk["text"], start, start + chunk["duration"] / TICKS_PER_SECOND))
        return words


def _edge_transient(error: Exception) -> bool:
    """edge-tts speaks through aiohttp: its connection errors, a 429/5xx handshake, a dropped socket and the call's
    deadline may pass; a refused voice or text (no audio, an unexpected answer) will not."""
    status = getattr(error, "status", None)  # aiohttp's ClientResponseError, a refused WebSocket handshake too
    if isinstance(status, int):
        return status in TRANSIENT_HTTP_STATUS
    module = type(error).__module__
    if module.startswith("aiohttp") or type(error).__name__ == "WebSocketError":
        return True
    return is_transient(error)
