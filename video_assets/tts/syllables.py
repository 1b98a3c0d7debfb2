"""How long a unit takes to say, in syllables: what an estimate spreads a clip over when the TTS gives no timings.

Characters are a poor measure: 3999 is four characters but seven syllables in Mandarin (三千九百九十九), and a
Latin word of eight letters may be two syllables.
"""

from __future__ import annotations

import re

from video_assets.tts.words import CJK_CHAR

_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# Spelled letter by letter in an acronym; W is three syllables, every other letter one.
_LETTER_SYLLABLES = {"w": 3}


def syllables(token: str, chinese: bool) -> float:
    """Spoken syllables of one unit; `chinese` says numbers and acronyms are read in Mandarin."""
    # pypinyin's phrase tables take half a second to import: here, not in every process that imports this module.
    from pypinyin import Style, pinyin

    han = "".join(CJK_CHAR.findall(token))
    count = float(len(pinyin(han, style=Style.NORMAL, errors="ignore"))) if han else 0.0
    for number in _NUMBER.findall(token):
        count += _mandarin_number(number) if chinese else _english_number(number)
    for word in _LATIN_WORD.findall(token):
        count += _latin_word(word)
    return count


def _latin_word(word: str) -> int:
    if word.isupper() and len(word) <= 5:
        return sum(_LETTER_SYLLABLES.get(letter, 1) for letter in word.lower())
    lower = word.lower()
    groups = len(_VOWEL_GROUPS.findall(lower))
    if lower.endswith("e") and not lower.endswith(("le", "ee")) and groups > 1:
        groups -= 1  # a silent final e: "phone", "make"
    return max(groups, 1)


def _mandarin_number(number: str) -> int:
    """三千九百九十九 for 3999, 八点二 for 8.2, 百分之十 for 10%; long digit strings (years, codes) digit by digit."""
    percent = 3 if number.endswith("%") else 0
    whole, _, fraction = number.rstrip("%").partition(".")
    spoken = len(whole) if len(whole) > 8 else _mandarin_integer(whole)
    return spoken + (1 + len(fraction) if fraction else 0) + percent


def _mandarin_integer(digits: str) -> int:
    value = int(digits)
    if value < 10:
        return 1
    if 10 <= value < 20:
        return 1 + (value % 10 > 0)  # 十, 十六
    count = 0
    for group in (value // 10_000, value % 10_000) if value >= 10_000 else (value,):
        count += _four_digits(group) if group else 0
    return count + (value >= 10_000)  # 万


def _four_digits(value: int) -> int:
    """Each non-zero digit and its place word (千, 百, 十), plus one 零 for each run of inner zeros."""
    digits = f"{value:04d}".lstrip("0")
    count = 0
    for position, digit in enumerate(digits):
        place = len(digits) - 1 - position
        if digit != "0":
            count += 1 + (place > 0)
        elif position + 1 < len(digits) and digits[position + 1] != "0" and position > 0:
            count += 1
    return count


def _english_number(number: str) -> int:
    whole = number.rstrip("%").split(".")[0]
    return max(round(len(whole) * 1.5), 1) + (2 if number.endswith("%") else 0)
