"""Offline TTS with espeak-ng; each unit's timing comes from an SSML <mark> placed before it in the text.

The whole narration is one synthesis, so the voice keeps its own phrasing and pauses; libespeak-ng reports the
sample at which every mark is reached (video_assets/tts/espeak_lib.py), and the unit's onset is the first sound
after its mark, its end the last sound before the next one.
"""

from __future__ import annotations

import json
import sys
import wave
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from video_assets.deadlines import run_with_deadline
from video_assets.tts import espeak_lib
from video_assets.tts.base import Narration, TtsError, WordTiming
from video_assets.tts.espeak_lib import EXIT_NO_LIBRARY, EXIT_NO_VOICE, LIBRARY
from video_assets.tts.words import tokenize

# `cmn` reads Chinese characters fine but reads Latin text (pinyin, tone digits) as English;
# `cmn-latn-pinyin` reads both Chinese characters and pinyin as Mandarin.
DEFAULT_VOICES = {"zh": "cmn-latn-pinyin", "en": "en-us"}
# espeak-ng writes exact zeros between words; anything louder is speech (a quiet fricative onset included).
SOUND_THRESHOLD = 0.004
# espeak-ng speaks a 400-character clause in about 0.1 s on a 2-core box, so these allow for a very busy machine.
ESPEAK_MIN_TIMEOUT_S = 30.0
ESPEAK_SECONDS_PER_CHAR = 0.1


class EspeakTts:
    def __init__(self, speed: int = 175, pitch: int = 50, library: str = LIBRARY) -> None:
        self.speed = speed
        self.pitch = pitch
        self.library = library

    def voice_for(self, language: str, voice: str | None) -> str:
        if voice:
            return voice
        base = language.split("-")[0].lower()
        return DEFAULT_VOICES.get(base, base)

    def synthesize(self, text: str, language: str, voice: str | None, out_path: Path) -> Narration:
        tokens = tokenize(text.strip())
        if not tokens:
            raise TtsError("espeak-ng: narration text is empty")
        espeak_voice = self.voice_for(language, voice)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        starts = self._speak(tokens, espeak_voice, out_path)
        with wave.open(str(out_path), "rb") as source:
            samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
            rate = source.getframerate()
        if samples.size == 0:
            raise TtsError(f"espeak-ng produced no audio with voice '{espeak_voice}'")
        words = timings_from_marks(tokens, starts, samples, rate)
        return Narration(audio_path=out_path, duration=len(samples) / rate, words=words, timings_measured=True)

    def _speak(self, tokens: list[tuple[str, bool]], espeak_voice: str, wav_path: Path) -> list[int | None]:
        """Synthesize into `wav_path`; returns the sample at which each unit starts, None where espeak said nothing."""
        ssml, spans = to_ssml(tokens)
        job_path = wav_path.with_suffix(".espeak.json")
        job = {"voice": espeak_voice, "rate": self.speed, "pitch": self.pitch, "library": self.library}
        job_path.write_text(json.dumps({**job, "ssml": ssml, "wav": str(wav_path)}), encoding="utf-8")
        characters = sum(len(token) for token, _ in tokens)
        try:
            result = run_with_deadline(
                # Run by path: the child needs the standard library only, not this package's imports.
                [sys.executable, espeak_lib.__file__, str(job_path)],
                f"espeak-ng for a {characters}-character narration",
                speech_budget(characters),
                TtsError,
            )
        finally:
            job_path.unlink()
        reason = result.stderr.strip()[-300:]
        if result.returncode == EXIT_NO_VOICE:
            raise TtsError(f"espeak-ng has no voice '{espeak_voice}': {reason}")
        if result.returncode == EXIT_NO_LIBRARY:
            raise TtsError(f"espeak-ng is not installed ({reason})")
        if result.returncode != 0 or not wav_path.exists():
            raise TtsError(f"espeak-ng failed for voice '{espeak_voice}': {reason or f'exit {result.returncode}'}")
        reported = json.loads(result.stdout)
        marks = {int(name): sample for name, sample in reported["marks"] if name.isdigit()}
        words = sorted((position - 1, sample) for position, sample in reported["words"])
        return [
            marks.get(index, next((sample for at, sample in words if start <= at < end), None))
            for index, (start, end) in enumerate(spans)
        ]


def to_ssml(tokens: list[tuple[str, bool]]) -> tuple[str, list[tuple[int, int]]]:
    """SSML with a mark before every unit, and each unit's [start, end) character span in it.

    The text is escaped: user text can add no tags. It goes to espeak through a file, so it can never be an option.
    """
    parts = ["<speak>"]
    spans: list[tuple[int, int]] = []
    length = len(parts[0])
    for index, (token, space) in enumerate(tokens):
        head = f'{" " if space else ""}<mark name="{index}"/>'
        text = escape(token)
        spans.append((length + len(head), length + len(head) + len(text)))
        parts += [head, text]
        length += len(head) + len(text)
    return "".join(parts) + "</speak>", spans


def speech_budget(characters: int) -> float:
    return max(ESPEAK_MIN_TIMEOUT_S, ESPEAK_SECONDS_PER_CHAR * characters)


def timings_from_marks(
    tokens: list[tuple[str, bool]], starts: list[int | None], samples: np.ndarray, rate: int
) -> list[WordTiming]:
    """A unit runs from the first sound after its start to the last sound before the next unit's start; a unit
    espeak reported nothing for starts where the previous one ends."""
    loud = np.abs(samples.astype(np.int32)) > SOUND_THRESHOLD * 32768
    timings: list[WordTiming] = []
    previous_end = 0
    for index, (token, space) in enumerate(tokens):
        begin = starts[index] if starts[index] is not None else previous_end
        following = next((start for start in starts[index + 1 :] if start is not None), len(samples))
        following = max(following, begin)
        sounding = np.flatnonzero(loud[begin:following])
        onset, offset = (
            (begin + int(sounding[0]), begin + int(sounding[-1]) + 1) if sounding.size else (begin, following)
        )
        timings.append(WordTiming(token, round(onset / rate, 3), round(offset / rate, 3), space))
        previous_end = offset
    return timings
