"""Microsoft Edge read-aloud TTS (optional `edge` extra); word boundaries come from the service.

edge-tts 7 sends sentence boundaries unless asked for `boundary="WordBoundary"`; its words are cut by the service's
own segmenter, so they are mapped onto our units (video_assets/tts/timing.py: align_boundaries).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from video_assets.tts.base import Narration, TtsError, WordTiming, probe_audio_duration
from video_assets.tts.timing import align_boundaries, estimate_timings

DEFAULT_VOICES = {"zh": "zh-CN-XiaoxiaoNeural", "en": "en-US-AriaNeural"}
TICKS_PER_SECOND = 10_000_000


class EdgeTts:
    def __init__(self, rate: str = "+0%") -> None:
        try:
            import edge_tts
        except ImportError as exc:
            raise TtsError("edge-tts backend needs the optional extra: pip install 'video-assets[edge]'") from exc
        self._edge_tts = edge_tts
        self.rate = rate

    def synthesize(self, text: str, language: str, voice: str | None, out_path: Path) -> Narration:
        if not text.strip():
            raise TtsError("edge-tts: narration text is empty")
        chosen = voice or DEFAULT_VOICES.get(language.split("-")[0], DEFAULT_VOICES["en"])
        out_path = out_path.with_suffix(".mp3")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            boundaries = asyncio.run(self._stream(text, chosen, out_path))
        except Exception as exc:  # edge-tts raises several unrelated exception types for network trouble
            raise TtsError(f"edge-tts failed with voice '{chosen}': {exc}") from exc
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
