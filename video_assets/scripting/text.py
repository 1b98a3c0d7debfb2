"""Plain-text tools for the offline planner: sentence splitting and keyword extraction over the article's text.

Chinese has no spaces, so terms are character n-grams that contain no function characters; this needs no
dictionary (no jieba) and still finds repeated product words such as 续航 or 屏幕.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

_SENTENCE = re.compile(r"[^。！？；!?;]*?(?:[。！？；!?;]+[”’\"」』）)]*|\.(?=\s)|$)", re.DOTALL)
_CLAUSE_BREAK = re.compile(r"(?<=[，：；])|(?<=[,:;])(?=\s)")  # not 、 (list items) nor 1,999
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# "X7 Pro", "Galaxy S24 Ultra"; at most four words, so a sentence in capitals is not one name
_LATIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9+-]*(?: [A-Z0-9][A-Za-z0-9+-]*){0,3}")
# A number with a unit ("8GB") is tried only where a run of digits starts, and the digits are never given back:
# trying it at every digit of a long number is quadratic in the number's length.
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+-]*[A-Za-z0-9+]|[A-Za-z]|(?<!\d)\d++[A-Za-z%]+[A-Za-z0-9]*")

# Function characters: an n-gram containing one of these is rarely a topic word.
_CJK_STOP_CHARS = set(
    "的了是在和与及或而但也就都这那有一个们你我他她它很还把被为以上下中不会要能可说对到从让给得地着过吗呢吧啊"
    "之其此并又再更最已将于等些每各该所如若因此然却只么什怎样哪谁里后前时候当用做来去看没"
)
_EN_STOP_WORDS = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "from",
    "by",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "as",
    "we",
    "you",
    "they",
    "he",
    "she",
    "i",
    "our",
    "your",
    "their",
    "my",
    "not",
    "no",
    "so",
    "if",
    "then",
    "than",
    "too",
    "very",
    "can",
    "will",
    "just",
    "also",
    "more",
    "most",
    "into",
    "about",
    "over",
    "after",
    "before",
    "there",
    "here",
    "what",
    "which",
    "who",
    "how",
    "when",
    "why",
    "all",
    "any",
    "some",
    "one",
    "two",
    "has",
    "have",
    "had",
    "do",
    "does",
}
_SPEC_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*(?:mAh|GB|TB|Hz|W|mm|g|nits|英寸|毫米|克|元|瓦|小时|分钟|%|倍|核|万)?")
_SPEC_NAME = re.compile(r"[A-Z]{2,}[0-9A-Z]*|\b[A-Z][a-z]+\s?\d+")
_SPEC_WORD = re.compile(r"价格|售价|参数|配置|续航|性能|屏幕|芯片|电池|处理器|price|battery|chip|screen|spec", re.I)

# The longest run without spaces the planner passes on: longer than any real word (German compounds included), short
# enough that two of them joined as a theme, or dozens of them in a scene, stay within the model's field limits.
MAX_TOKEN_CHARS = 40
_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'）】」]+|www\.[^\s<>\"'）】」]+", re.I)
# Scripts written without spaces (Han, kana, fullwidth forms, Thai, Lao, Tibetan, Myanmar, Khmer) end a run: a
# Chinese or Thai sentence is not one long word.
_SPACED_RUN = re.compile(
    rf"[^\s\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]{{{MAX_TOKEN_CHARS + 1},}}"
)
_BREAK_AFTER = "/-_.,;:?&=+"


def bound_tokens(text: str, limit: int = MAX_TOKEN_CHARS) -> str:
    """`text` without any run of more than `limit` characters between spaces, so no field the planner fills
    overflows and a TTS voice never spells out a 300-character token.

    A long URL is replaced by its host, the part a viewer can hear and remember; any other long run (a glued word,
    an all-caps sentence without spaces, a long host) is cut into pieces of at most `limit` characters, after a
    punctuation mark where there is one in the second half of the piece.
    """
    text = _URL.sub(lambda match: _url_host(match.group(0), limit), text)
    return _SPACED_RUN.sub(lambda match: " ".join(_pieces(match.group(0), limit)), text)


def _url_host(url: str, limit: int) -> str:
    if len(url) <= limit:
        return url
    host = urlsplit(url if "://" in url else f"http://{url}").hostname
    return host or url


def _pieces(run: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(run) > limit:
        cut = max(run.rfind(mark, limit // 2, limit) + 1 for mark in _BREAK_AFTER) or limit
        pieces.append(run[:cut])
        run = run[cut:]
    return [*pieces, run] if run else pieces


def is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) >= max(1, len(text) // 10)


def split_sentences(text: str) -> list[str]:
    """Sentences ending in 。！？； or .!?; headers and lines without end punctuation count as sentences too."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n+", text):
        for match in _SENTENCE.finditer(paragraph):
            sentence = match.group(0).strip()
            if sentence and re.search(r"\w", sentence):
                sentences.append(sentence)
    return sentences


def split_clauses(sentence: str) -> list[str]:
    """Break a sentence after commas/colons, for shorter scenes; joining the parts gives the sentence back."""
    return [part for part in _CLAUSE_BREAK.split(sentence) if part.strip()]


def terms(text: str) -> set[str]:
    """Comparable units of meaning: CJK character bigrams and lower-case Latin words/numbers with units."""
    found: set[str] = set()
    for run in _CJK_RUN.findall(text):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    found.update(word.lower() for word in _LATIN_WORD.findall(text) if word.lower() not in _EN_STOP_WORDS)
    return found


def keywords(text: str, limit: int = 10, boost_text: str = "") -> list[str]:
    """Most frequent topic terms: CJK 2-4-grams without function characters, and Latin words/model names.

    `boost_text` (e.g. the title) counts triple. Shorter n-grams contained in a chosen longer one are skipped.
    """
    counts: Counter[str] = Counter()
    for source, weight in ((text, 1), (boost_text, 3)):
        for run in _CJK_RUN.findall(source):
            for size in (2, 3, 4):
                for i in range(len(run) - size + 1):
                    gram = run[i : i + size]
                    if not _CJK_STOP_CHARS.intersection(gram):
                        counts[gram] += weight
        for name in _LATIN_NAME.findall(source):
            if name.lower() not in _EN_STOP_WORDS and 1 < len(name) <= MAX_TOKEN_CHARS and not name.isdigit():
                counts[name] += weight
    ranked = sorted(counts.items(), key=lambda item: (-item[1] * (1 + 0.3 * (len(item[0]) - 2)), item[0]))
    chosen: list[str] = []
    for term, count in ranked:
        if count < 2 and chosen:
            break
        if any(_overlapping(term, other) for other in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def spec_density(sentence: str) -> float:
    """How 'product/number-heavy' a sentence is: digits, units, prices and model names per 20 characters."""
    hits = sum(len(pattern.findall(sentence)) for pattern in (_SPEC_NUMBER, _SPEC_NAME, _SPEC_WORD))
    return hits * 20.0 / max(len(sentence), 20)


def _overlapping(term: str, other: str) -> bool:
    """Contained in each other, or CJK n-grams cut from one phrase (五千万像 / 千万像素)."""
    if term in other or other in term:
        return True
    if not (_CJK.search(term) and _CJK.search(other)):
        return False
    sizes = range(2, min(len(term), len(other)))
    return any(term[:size] == other[-size:] or other[:size] == term[-size:] for size in sizes)
