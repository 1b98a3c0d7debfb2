"""Narration split into the units viewers read: jieba words for Chinese, whitespace words for Latin text.

These units are what karaoke highlights and where subtitle lines may break, so a unit must never be cut: 人工智能
lights up as one, and mixed terms stay whole (AI芯片, 3999元, iPhone 16, T恤).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache
from types import ModuleType

CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SENTENCE_END = set("。！？!?…．.")
CLAUSE_END = set("，、；：,;:—")
OPENING = set("“‘《（(「『【[<")
_WIDE = "\u3000-\u303f\uff00-\uffef\u2014\u2018-\u201f\u2026"
# Wide punctuation is cut out of Latin runs so "好，world" gives 好， + world, not 好 + ，world.
PIECES = re.compile(rf"\s+|[{_WIDE}]+|[^\s{_WIDE}]+")
_CJK_RUN = re.compile(CJK_CHAR.pattern + "+")
_OPENING = "".join(OPENING)
_CLOSING = "".join(SENTENCE_END | CLAUSE_END) + "”’》）)」』】]"
_LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+.%-]*")
# Model names continue with a capitalised or numeric word: "iPhone 16", "Galaxy S24 Ultra", but not "hello world".
_NAME_CONTINUATION = re.compile(r"[A-Z0-9][A-Za-z0-9+.-]*[,，。.!?！？、]?")
MAX_NAME_CHARS = 20
# A short acronym or number glued to the Chinese word after it is one term: AI芯片, 5G网络, OLED屏幕.
MAX_GLUED_LATIN_CHARS = 5
# Units and measure words a number is read with, also across a space: 205 克, 3999 元, 8.2 毫米.
NUMBER_UNITS = set("元块角分秒克斤吨米度倍个只台部款位岁年月日天次帧层张页条项亿万千百寸") | {
    "毫米",
    "厘米",
    "英寸",
    "分钟",
    "小时",
    "公斤",
    "千克",
    "公里",
    "毫安",
    "像素",
    "万元",
    "亿元",
    "毫秒",
    "个月",
}


@cache
def jieba_segmenter() -> ModuleType:
    """jieba with its dictionary loaded, on first use: importing it takes half a second and loading the dictionary
    about one more, which a process that never segments text (the run worker that only orchestrates steps) should not
    pay. A step's forkserver loads it once for all the run's steps (executors/warm_up.py). Two threads arriving first
    at once are safe: jieba loads its dictionary under its own lock, once."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it prints its dictionary loading to stderr otherwise
    jieba.initialize()
    return jieba


@cache
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF per word and its median: rare words say more about a text than common ones."""
    jieba_segmenter()
    import jieba.analyse

    tfidf = jieba.analyse.default_tfidf
    return tfidf.idf_freq, tfidf.median_idf


def _jieba_words(run: str) -> list[str]:
    return jieba_segmenter().lcut(run)


def _in_dictionary(word: str) -> bool:
    return bool(jieba_segmenter().dt.FREQ.get(word))


def is_punctuation(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in text)


def tokenize(text: str) -> list[tuple[str, bool]]:
    """Units as (text, space_before).

    Punctuation sticks to the unit it follows (or precedes, for opening brackets) so a subtitle line never starts
    with a comma, and `join_tokens` gives back the original text with its spacing.
    """
    tokens: list[tuple[str, bool]] = []
    prefix, prefix_space, space = "", False, False
    for piece in _pieces(text):
        if piece.isspace():
            space = True
            continue
        if is_punctuation(piece) and set(piece) <= OPENING:
            prefix_space = prefix_space if prefix else space
            prefix += piece
        elif prefix:
            tokens.append((prefix + piece, prefix_space))
            prefix = ""
        elif is_punctuation(piece) and tokens and not space:
            tokens[-1] = (tokens[-1][0] + piece, tokens[-1][1])
        else:
            tokens.append((piece, space))
        space = False
    if prefix:
        tokens.append((prefix, prefix_space))
    return _glue_mixed_terms(tokens) if CJK_CHAR.search(text) else tokens


def _pieces(text: str) -> list[str]:
    """Whitespace, punctuation runs and words. A piece with Chinese in it goes through jieba whole, so dictionary
    terms that mix scripts (T恤, A股) come out as jieba has them; the Latin runs jieba cuts up (GPT-4 -> GPT, -, 4)
    are put back together."""
    pieces: list[str] = []
    for piece in PIECES.findall(text):
        if is_punctuation(piece):
            # "。《" closes one phrase and opens the next: the bracket goes with the word after it.
            opening = len(piece) - len(piece.rstrip(_OPENING))
            pieces += [part for part in (piece[: len(piece) - opening], piece[len(piece) - opening :]) if part]
        elif piece.isspace() or not CJK_CHAR.search(piece):
            pieces.append(piece)
        else:
            pieces += _rejoin_latin(_jieba_words(piece))
    return pieces


def _rejoin_latin(words: list[str]) -> list[str]:
    joined: list[str] = []
    for word in words:
        if joined and not CJK_CHAR.search(word) and not CJK_CHAR.search(joined[-1]):
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _glue_mixed_terms(tokens: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    glued: list[tuple[str, bool]] = []
    for token, space in tokens:
        if glued and _belongs_to_previous(glued[-1][0], token, space):
            previous, previous_space = glued[-1]
            glued[-1] = (previous + (" " if space else "") + token, previous_space)
        else:
            glued.append((token, space))
    return glued


def _belongs_to_previous(previous: str, token: str, space: bool) -> bool:
    if not previous[-1:].isalnum():
        return False
    previous = previous.lstrip(_OPENING)
    word = token.rstrip(_CLOSING)
    number = previous.replace(".", "").isdigit()
    if space:
        if number and word in NUMBER_UNITS:
            return True
        name = f"{previous} {token}"
        return bool(
            _LATIN.fullmatch(previous.split(" ")[-1])
            and _NAME_CONTINUATION.fullmatch(token)
            and len(name) <= MAX_NAME_CHARS
            and not CJK_CHAR.search(name)
        )
    if _in_dictionary(previous + word):
        return True
    if not (_LATIN.fullmatch(previous) and _CJK_RUN.fullmatch(word)):
        return False
    if number:
        return len(word) >= 2 or word in NUMBER_UNITS
    return len(previous) <= MAX_GLUED_LATIN_CHARS and len(word) >= 2 and not previous.islower()


def join_tokens(tokens: list[tuple[str, bool]]) -> str:
    return "".join((" " if space and index else "") + token for index, (token, space) in enumerate(tokens))
