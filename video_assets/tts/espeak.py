"""Offline TTS with espeak-ng; clause boundaries are measured from the audio, words are placed within clauses."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np

from video_assets.deadlines import run_with_deadline
from video_assets.tts.base import Narration, TtsError, WordTiming
from video_assets.tts.timing import estimate_timings

# `cmn` reads Chinese characters fine but reads Latin text (pinyin, tone digits) as English;
# `cmn-latn-pinyin` reads both Chinese characters and pinyin as Mandarin.
DEFAULT_VOICES = {"zh": "cmn-latn-pinyin", "en": "en-us"}
CLAUSE_SPLIT = re.compile(r"(?<=[。！？!?；;，,、：:…])\s*|(?<=[.])\s+")
SILENCE_THRESHOLD = 0.02
# espeak-ng speaks a 400-character clause in about 0.1 s on a 2-core box, so these allow for a very busy machine.
ESPEAK_MIN_TIMEOUT_S = 30.0
ESPEAK_SECONDS_PER_CHAR = 0.1


class EspeakTts:
    def __init__(self, speed: int = 175, pitch: int = 50, binary: str = "espeak-ng") -> None:
        self.speed = speed
        self.pitch = pitch
        self.binary = binary

    def voice_for(self, language: str, voice: str | None) -> str:
        if voice:
            return voice
        base = language.split("-")[0].lower()
        return DEFAULT_VOICES.get(base, base)

    def synthesize(self, text: str, language: str, voice: str | None, out_path: Path) -> Narration:
        clauses = [clause for clause in CLAUSE_SPLIT.split(text.strip()) if clause.strip()]
        if not clauses:
            raise TtsError("espeak-ng: narration text is empty")
        espeak_voice = self.voice_for(language, voice)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        chunks: list[np.ndarray] = []
        words: list[WordTiming] = []
        rate = 0
        offset = 0.0
        for index, clause in enumerate(clauses):
            samples, rate = self._speak(clause, espeak_voice, out_path.with_suffix(f".part{index}.wav"))
            speech_start, speech_end = _speech_span(samples, rate)
            words += estimate_timings(clause, offset + speech_start, offset + speech_end)
            chunks.append(samples)
            offset += len(samples) / rate
        audio = np.concatenate(chunks)
        with wave.open(str(out_path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(audio.astype("<i2").tobytes())
        return Narration(audio_path=out_path, duration=len(audio) / rate, words=words, timings_measured=False)

    def _speak(self, clause: str, espeak_voice: str, wav_path: Path) -> tuple[np.ndarray, int]:
        # Text goes through a file so a clause starting with '-' can never be read as an option.
        text_path = wav_path.with_suffix(".txt")
        text_path.write_text(clause, encoding="utf-8")
        command = [
            self.binary,
            "-v",
            espeak_voice,
            "-s",
            str(self.speed),
            "-p",
            str(self.pitch),
            "-w",
            str(wav_path),
            "-f",
            str(text_path),
        ]
        try:
            result = run_with_deadline(
                command,
                f"espeak-ng for a {len(clause)}-character clause",
                speech_budget(clause),
                TtsError,
            )
        except FileNotFoundError as exc:
            raise TtsError(f"espeak-ng is not installed ({self.binary} not found)") from exc
        if result.returncode != 0 or not wav_path.exists():
            raise TtsError(f"espeak-ng failed for voice '{espeak_voice}': {result.stderr.strip()[-300:]}")
        with wave.open(str(wav_path), "rb") as source:
            if source.getsampwidth() != 2 or source.getnchannels() != 1:
                raise TtsError("espeak-ng produced an unexpected WAV format")
            samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
            rate = source.getframerate()
        wav_path.unlink()
        text_path.unlink()
        if "Unknown voice" in result.stderr or samples.size == 0:
            raise TtsError(f"espeak-ng has no voice '{espeak_voice}': {result.stderr.strip()[-300:]}")
        return samples, rate


def speech_budget(text: str) -> float:
    return max(ESPEAK_MIN_TIMEOUT_S, ESPEAK_SECONDS_PER_CHAR * len(text))


def _speech_span(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """First and last audible sample, so word timings skip espeak's leading and trailing silence."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_THRESHOLD * 32768)
    if loud.size == 0:
        return 0.0, len(samples) / rate
    return float(loud[0]) / rate, float(loud[-1] + 1) / rate
