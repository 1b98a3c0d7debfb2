"""Where narration may be cut into scenes: only between the word units viewers read (video_assets/tts/words.py).

A scene boundary inside a word (宇航员在空 | 间站里醒来) splits one word across two pictures and two subtitle
cards. Chinese words come from jieba, Latin words from whitespace, so a cut is checked against the text as one
piece: the narration of two neighbouring scenes joined back together. Thai, Lao, Myanmar and Khmer are written
without spaces and no segmenter for them is installed: there a cut keeps syllable clusters whole, the best
available without a dictionary.
"""

from __future__ import annotations

import re
import unicodedata

from video_assets.tts.words import is_punctuation, tokenize


def word_cut_offsets(text: str) -> set[int]:
    """Every offset of `text` (0 and len included) where a cut falls between two word units."""
    allowed = {0, len(text)}
    cursor = 0
    for token, _ in tokenize(text):
        start = _find_token(text, token, cursor)
        if start < 0:
            continue  # a glued name whose spacing differs from the source: it stays uncuttable
        allowed.update(range(cursor, start + 1))  # anywhere in the whitespace before the unit
        cursor = start + len(token)
        allowed.add(cursor)
        if _UNSEGMENTED.search(token):
            allowed.update(start + offset for offset in _cluster_starts(token))
    allowed.update(range(cursor, len(text) + 1))
    return allowed


def _cluster_starts(run: str) -> list[int]:
    """Inside a run of a script written without spaces that no installed segmenter knows (Thai, Lao, Myanmar,
    Khmer), the best cut keeps each syllable cluster whole: never before a vowel sign or tone mark, never after a
    vowel written before its consonant."""
    return [
        index
        for index in range(1, len(run))
        if not unicodedata.category(run[index]).startswith("M") and run[index - 1] not in _LEADING_VOWELS
    ]


_UNSEGMENTED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
_LEADING_VOWELS = set("\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4\u1031\u17c1\u17c2\u17c3")


def _find_token(text: str, token: str, cursor: int) -> int:
    start = text.find(token, cursor)
    if start >= 0:
        return start
    # tokenize joins a name's words with one space ("iPhone 16"); the source may have had several
    pattern = r"\s+".join(re.escape(part) for part in token.split(" "))
    found = re.compile(pattern).search(text, cursor)
    return found.start() if found else -1


def cut_near(text: str, offset: float) -> int | None:
    """The word boundary nearest `offset` strictly inside `text`, or None for a single word. A boundary after a
    punctuation mark (、 in a list, a dash) wins when it is within a quarter of the text's length: a pause there
    is one a reader already makes."""
    inner = [cut for cut in word_cut_offsets(text) if 0 < cut < len(text) and text[:cut].strip() and text[cut:].strip()]
    if not inner:
        return None
    paused = [cut for cut in inner if is_punctuation(text[cut - 1]) and abs(cut - offset) <= len(text) / 4]
    return min(paused or inner, key=lambda cut: (abs(cut - offset), cut))


def head_within(text: str, limit: int) -> str:
    """The longest head of `text` of at most `limit` characters that ends between words."""
    if len(text) <= limit:
        return text
    cuts = [cut for cut in word_cut_offsets(text) if 0 < cut <= limit]
    return text[: max(cuts)].rstrip() if cuts else text[:limit]


def join_narration(left: str, right: str) -> str:
    """Two neighbouring narrations as one text: glued where Chinese (or full-width punctuation) meets the cut, else
    with a space, since Latin words are separated by spaces and a cut in Latin text always falls on one."""
    junction = left[-1:] + right[:1]
    glued = any(unicodedata.east_asian_width(char) in "WF" for char in junction)
    return left + right if glued else f"{left} {right}"


def word_cut_at(left: str, right: str) -> str | None:
    """The word that the boundary between `left` and `right` cuts in two, or None when it falls between words."""
    joined = join_narration(left, right)
    boundary = len(left)
    if boundary in word_cut_offsets(joined):
        return None
    start = max(cut for cut in word_cut_offsets(joined) if cut < boundary)
    end = min(cut for cut in word_cut_offsets(joined) if cut > boundary)
    return joined[start:end].strip()


def rejoin_at_word(left: str, right: str) -> tuple[str, str]:
    """`left` and `right` with their boundary moved to the nearest word boundary (either may come back empty)."""
    joined = join_narration(left, right)
    cut = min(word_cut_offsets(joined), key=lambda offset: (abs(offset - len(left)), offset))
    return joined[:cut].strip(), joined[cut:].strip()
