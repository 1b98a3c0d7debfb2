"""Narration time estimates: ~200 Chinese characters or ~150 English words per minute of TTS."""

from __future__ import annotations

import re

from video_assets.scripting.models import Script

CJK_CHARS_PER_MINUTE = 200.0
WORDS_PER_MINUTE = 150.0
SENTENCE_PAUSE_SECONDS = 0.25  # TTS engines pause at full stops
LOWER_BOUND_SHARE = 0.75
UPPER_BOUND_SHARE = 1.15

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['.,-][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"[。！？!?；;.](?=\s|$)|[。！？；]")


def estimate_narration_seconds(text: str, language: str = "zh") -> float:
    """Seconds a TTS voice needs for `text`.

    Latin words inside Chinese text (brands, models) are timed as English words. In Chinese a number is read digit
    by digit or as 千/百 units, roughly one syllable per digit (capped at 4), while English reads it as one word.
    """
    cjk_chars = len(_CJK.findall(text))
    words = _WORD.findall(text)
    chinese = language.lower().startswith("zh")
    syllables = cjk_chars
    word_count = 0
    for word in words:
        if chinese and word.replace(".", "").replace(",", "").isdigit():
            syllables += min(4, len(word))
        else:
            word_count += 1
    seconds = syllables * 60.0 / CJK_CHARS_PER_MINUTE + word_count * 60.0 / WORDS_PER_MINUTE
    seconds += SENTENCE_PAUSE_SECONDS * len(_SENTENCE_END.findall(text))
    return round(seconds, 2)


def total_duration(script: Script) -> float:
    """Planned length of the video (transitions overlap scenes and only make it shorter)."""
    return round(sum(scene.planned_duration for scene in script.scenes), 2)


def duration_bounds(target_seconds: float) -> tuple[float, float]:
    """Accepted range for a script's total duration."""
    return round(target_seconds * LOWER_BOUND_SHARE, 2), round(target_seconds * UPPER_BOUND_SHARE, 2)


def duration_problem(script: Script, target_seconds: float) -> str:
    """'' when the script fits the target, else a readable reason."""
    total = total_duration(script)
    low, high = duration_bounds(target_seconds)
    if total < low:
        return f"script lasts {total:.1f}s, shorter than {low:.1f}s (target {target_seconds:.0f}s)"
    if total > high:
        return f"script lasts {total:.1f}s, longer than {high:.1f}s (target {target_seconds:.0f}s)"
    return ""
