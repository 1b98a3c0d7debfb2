"""Narration time estimates: ~200 Chinese characters or ~150 English words per minute of TTS, and a per-character
rate for every other script, so narration in any language (or several) is timed before it is spoken."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from video_assets.scripting.models import Script

CJK_CHARS_PER_MINUTE = 200.0
WORDS_PER_MINUTE = 150.0
LETTERS_PER_WORD = 8  # a longer Latin word (a compound, a run of capitals read letter by letter) takes longer
SENTENCE_PAUSE_SECONDS = 0.25  # TTS engines pause at full stops
LOWER_BOUND_SHARE = 0.75
UPPER_BOUND_SHARE = 1.15
OTHER_LETTER_SECONDS = 0.1  # a letter of a script the table below does not name

# Seconds per character for the scripts that are not Latin, as (first, last code point, seconds, marks count).
# Measured with espeak-ng at its default rate on review sentences and rounded up (natural voices are a little
# faster): Cyrillic/Greek ~0.07 per letter, Hebrew ~0.1, Arabic ~0.11 (short vowels are not written), Devanagari
# ~0.09 counting vowel signs, Thai ~0.11 counting vowel and tone marks, Hangul ~0.22 per syllable block, kana ~0.18.
# Marks count where they are vowels of their own (abugidas); in abjads they are optional vowel points.
_SCRIPT_SECONDS: tuple[tuple[int, int, float, bool], ...] = (
    (0x0370, 0x03FF, 0.075, False),  # Greek
    (0x1F00, 0x1FFF, 0.075, False),  # Greek extended
    (0x0400, 0x052F, 0.075, False),  # Cyrillic
    (0x0530, 0x058F, 0.075, False),  # Armenian
    (0x10A0, 0x10FF, 0.075, False),  # Georgian
    (0x0590, 0x05FF, 0.1, False),  # Hebrew
    (0x0600, 0x08FF, 0.115, False),  # Arabic, Syriac, Thaana
    (0xFB1D, 0xFDFF, 0.115, False),  # Hebrew and Arabic presentation forms
    (0xFE70, 0xFEFF, 0.115, False),  # Arabic presentation forms B
    (0x0900, 0x0DFF, 0.095, True),  # Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, ...
    (0x0E00, 0x0FFF, 0.11, True),  # Thai, Lao, Tibetan
    (0x1000, 0x109F, 0.11, True),  # Myanmar
    (0x1780, 0x17FF, 0.11, True),  # Khmer
    (0x1200, 0x139F, 0.15, False),  # Ethiopic syllables
    (0x1100, 0x11FF, 0.1, False),  # Hangul jamo
    (0x3130, 0x318F, 0.1, False),  # Hangul compatibility jamo
    (0xAC00, 0xD7AF, 0.22, False),  # Hangul syllables
    (0x3040, 0x30FF, 0.18, False),  # hiragana, katakana
    (0xFF66, 0xFF9F, 0.18, False),  # halfwidth katakana
    (0x3400, 0x4DBF, 60.0 / CJK_CHARS_PER_MINUTE, False),  # CJK ideographs
    (0x4E00, 0x9FFF, 60.0 / CJK_CHARS_PER_MINUTE, False),
    (0xF900, 0xFAFF, 60.0 / CJK_CHARS_PER_MINUTE, False),
    (0x20000, 0x3FFFF, 60.0 / CJK_CHARS_PER_MINUTE, False),
)
# An emoji or pictograph: voices that read it say its name ("grinning face"), about one word.
_EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['.,-][A-Za-z0-9\u00c0-\u024f]+)*")  # Latin, accents included
_SENTENCE_END = re.compile(r"[。！？!?；;.](?=\s|$)|[。！？；؟۔।॥]")


def estimate_narration_seconds(text: str, language: str = "zh") -> float:
    """Seconds a TTS voice needs for `text`, whatever scripts it mixes.

    Latin words inside Chinese text (brands, models) are timed as English words. In Chinese a number is read digit
    by digit or as 千/百 units, roughly one syllable per digit (capped at 4), while English reads it as one word.
    Every other character is timed by its script (_SCRIPT_SECONDS); emoji as one word each.
    """
    chinese = language.lower().startswith("zh")
    seconds = 0.0
    for word in _WORD.findall(text):
        if chinese and word.replace(".", "").replace(",", "").isdigit():
            seconds += min(4, len(word)) * 60.0 / CJK_CHARS_PER_MINUTE
        else:
            seconds += max(1.0, len(word) / LETTERS_PER_WORD) * 60.0 / WORDS_PER_MINUTE
    seconds += sum(_character_seconds(char) for char in _WORD.sub(" ", text))
    seconds += len(_EMOJI.findall(text)) * 60.0 / WORDS_PER_MINUTE
    seconds += SENTENCE_PAUSE_SECONDS * len(_SENTENCE_END.findall(text))
    return round(seconds, 2)


@cache
def _character_seconds(char: str) -> float:
    """Speaking time of one character outside a Latin word; 0 for spaces, punctuation, symbols and digits."""
    category = unicodedata.category(char)
    code = ord(char)
    for first, last, seconds, marks_count in _SCRIPT_SECONDS:
        if first <= code <= last:
            return seconds if category[0] == "L" or (marks_count and category[0] == "M") else 0.0
    return OTHER_LETTER_SECONDS if category[0] == "L" else 0.0


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
