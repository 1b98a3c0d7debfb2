"""What every TTS backend returns: an audio file, its duration and per-token timings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from video_assets.deadlines import PROBE_TIMEOUT_S, run_with_deadline
from video_assets.redaction import redact


class TtsError(RuntimeError):
    """Speech synthesis failed; the message says which backend and why.

    `transient` is True or False when the backend knows whether a retry may succeed (a provider's 429 or 5xx), None
    when it does not. The message is redacted here, because a provider's error may echo the key it was sent.
    """

    def __init__(self, message: str, transient: bool | None = None) -> None:
        super().__init__(redact(message))
        self.transient = transient

    def __reduce__(self) -> tuple[type[TtsError], tuple[str, bool | None]]:
        # Keeps the flag when the error crosses a process boundary (multiprocess executor).
        return (TtsError, (str(self), self.transient))


@dataclass(frozen=True)
class WordTiming:
    token: str
    start: float
    end: float
    space_before: bool = False


@dataclass(frozen=True)
class Narration:
    audio_path: Path
    duration: float
    words: list[WordTiming] = field(default_factory=list)
    timings_measured: bool = False


class TtsEngine(Protocol):
    def synthesize(self, text: str, language: str, voice: str | None, out_path: Path) -> Narration: ...


def probe_audio_duration(path: Path, timeout: float = PROBE_TIMEOUT_S) -> float:
    """Duration of an audio file as ffprobe decodes it, so timing matches what ffmpeg will mix."""
    result = run_with_deadline(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        f"ffprobe of TTS audio {path.name}",
        timeout,
        TtsError,
    )
    if result.returncode != 0:
        raise TtsError(f"ffprobe cannot read TTS audio {path.name}: {result.stderr.strip()[-300:]}")
    try:
        return float(json.loads(result.stdout)["format"]["duration"])
    except (KeyError, ValueError) as exc:
        raise TtsError(f"TTS audio {path.name} has no duration") from exc
