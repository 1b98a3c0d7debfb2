"""Which voices the configured TTS backend has, so a request naming another is refused at submit, not at render."""

from __future__ import annotations

import re
from functools import cache

from video_assets.deadlines import PROBE_TIMEOUT_S, run_with_deadline
from video_assets.tts.base import TtsError

# The voices OpenAI's speech endpoint offers; another vendor behind a custom base URL has its own, unknown here.
OPENAI_VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"}
)
_EDGE_VOICE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){1,2}-[A-Za-z]+Neural")


def voice_problem(backend: str, voice: str, base_url: str = "") -> str | None:
    """Why `backend` cannot speak with `voice`, or None when it can (or cannot be known here)."""
    if backend == "espeak":
        name = voice.split("+", 1)[0].lower()  # `en-us+f3`: the part after + is a variant of the voice
        if name in espeak_voices():
            return None
        return f"espeak-ng has no voice {voice!r} (see `espeak-ng --voices`)"
    if backend == "openai":
        if base_url or voice in OPENAI_VOICES:
            return None
        return f"OpenAI TTS has no voice {voice!r} (voices: {', '.join(sorted(OPENAI_VOICES))})"
    if backend == "edge":
        if _EDGE_VOICE.fullmatch(voice):
            return None
        return f"{voice!r} is not an edge-tts voice name such as zh-CN-XiaoxiaoNeural"
    return f"unknown TTS backend {backend!r}"


@cache
def espeak_voices() -> frozenset[str]:
    """Every name `espeak-ng -v` accepts: language codes, voice names, voice files and their other languages."""
    result = run_with_deadline(["espeak-ng", "--voices"], "espeak-ng --voices", PROBE_TIMEOUT_S, TtsError)
    names: set[str] = set()
    for line in result.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 5:
            names.update(name.lower() for name in (columns[1], columns[3], columns[4], columns[4].rsplit("/", 1)[-1]))
            names.update(match.lower() for match in re.findall(r"\(([^ )]+) \d+\)", line))
    return frozenset(names)
