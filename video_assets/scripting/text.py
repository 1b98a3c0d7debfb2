"""Plain-text tools for the offline planner: sentence splitting, and the words and keywords of the article's text.

Chinese has no spaces, so words come from jieba (its search mode also yields the dictionary words inside a long
one); Latin words are split at spaces. Neither ever yields a fragment such as 杯热咖啡 or 心屏幕.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from video_assets.tts.words import idf_table, jieba_segmenter

_SENTENCE = re.compile(r"[^。！？；!?;]*?(?:[。！？；!?;]+[”’\"」』）)]*|\.(?=\s)|$)", re.DOTALL)
_CLAUSE_BREAK = re.compile(r"(?<=[，：；])|(?<=[,:;])(?=\s)")  # not 、 (list items) nor 1,999
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# "X7 Pro", "Galaxy S24 Ultra"; at most four words, so a sentence in capitals is not one name
_LATIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9+-]*(?: [A-Z0-9][A-Za-z0-9+-]*){0,3}")

# Chinese function words of two characters or more: frequent, and about nothing in particular.
_CJK_STOP_TEXT = (
    "我们 你们 他们 她们 它们 这个 那个 一个 这些 那些 这样 那样 这里 那里 什么 怎么 "
    "怎样 为什么 因为 所以 但是 可是 如果 虽然 还是 或者 而且 并且 然后 已经 可以 能够 "
    "没有 就是 不是 自己 时候 之后 以后 之前 以前 大家 一些 一点 一样 非常 特别 真的 "
    "其实 只是 还有 对于 关于 通过 进行 以及 而是 这种 那种 每个 之一 一下 一直 不会 "
    "不能 需要 应该 "
)
_CJK_STOP_WORDS = frozenset(_CJK_STOP_TEXT.split())
# Chinese words of one character that carry grammar, not meaning.
_CJK_FUNCTION_CHARS = frozenset(
    "的了是在和与及或而但也就都这那有个们你我他她它很还把被为以上下中不会要能可说对到从让给得地着过吗呢吧啊之其此并又再"
    "更最已将于等些每各该所如若因然却只么什怎样哪谁里后前时候当用做来去看没一"
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


def is_stop_word(word: str) -> bool:
    return word.lower() in _EN_STOP_WORDS or word in _CJK_STOP_WORDS or word in _CJK_FUNCTION_CHARS


def terms(text: str) -> set[str]:
    """Comparable units of meaning: jieba's words (Latin ones lower-cased, of two letters or more; a Chinese word of
    one character such as 猫 counts), without stop words, punctuation or bare numbers."""
    found: set[str] = set()
    for word in jieba_segmenter().lcut_for_search(text):
        word = word.strip().lower()
        long_enough = len(word) >= 2 or bool(_CJK.match(word))
        if long_enough and re.search(r"\w", word) and not word.isdigit() and not is_stop_word(word):
            found.add(word)
    return found


def keywords(text: str, limit: int = 10, boost_text: str = "") -> list[str]:
    """Topic words, most telling first: Chinese words from jieba weighted by frequency times jieba's IDF (so a
    rare word repeated beats a common one), and Latin words or model names ("X7 Pro") by frequency.

    `boost_text` (e.g. the title) counts triple. A term contained in a chosen longer one is skipped.
    """
    counts: Counter[str] = Counter()
    for source, weight in ((text, 1), (boost_text, 3)):
        for run in _CJK_RUN.findall(source):
            for word in jieba_segmenter().lcut(run):
                if len(word) >= 2 and word not in _CJK_STOP_WORDS:
                    counts[word] += weight
        for name in _LATIN_NAME.findall(source):
            if name.lower() not in _EN_STOP_WORDS and 1 < len(name) <= MAX_TOKEN_CHARS and not name.isdigit():
                counts[name] += weight
    ranked = sorted(counts.items(), key=lambda item: (-item[1] * _informativeness(item[0]), item[0]))
    chosen: list[str] = []
    for term, count in ranked:
        if count < 2 and len(chosen) >= 3:
            break  # beyond a few words, a word said once is not a topic
        if any(term in other or other in term for other in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def _informativeness(term: str) -> float:
    """jieba's IDF for a Chinese word (rare words say more), relative to its median; Latin names count as rare."""
    if not _CJK.search(term):
        return 1.5
    table, median = idf_table()
    return table.get(term, median) / median


def spec_density(sentence: str) -> float:
    """How 'product/number-heavy' a sentence is: digits, units, prices and model names per 20 characters."""
    hits = sum(len(pattern.findall(sentence)) for pattern in (_SPEC_NUMBER, _SPEC_NAME, _SPEC_WORD))
    return hits * 20.0 / max(len(sentence), 20)
