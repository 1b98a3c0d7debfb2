"""Text-to-speech backends that return narration audio with per-token timings."""

from video_assets.tts.base import Narration, TtsEngine, TtsError, WordTiming
from video_assets.tts.espeak import EspeakTts
from video_assets.tts.factory import make_tts
from video_assets.tts.timing import estimate_timings
from video_assets.tts.words import join_tokens, tokenize

__all__ = [
    "EspeakTts",
    "Narration",
    "TtsEngine",
    "TtsError",
    "WordTiming",
    "estimate_timings",
    "join_tokens",
    "make_tts",
    "tokenize",
]
