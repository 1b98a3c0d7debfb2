"""Split narration into timed tokens (one per CJK character, one per word otherwise) and spread a clip over them."""

from __future__ import annotations

import re
import unicodedata

from video_assets.tts.base import WordTiming

CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SENTENCE_END = set("。！？!?…．.")
CLAUSE_END = set("，、；：,;:—")
OPENING = set("“‘《（(「『【[<")
WIDE_PUNCTUATION = r"[\u3000-\u303f\uff00-\uffef\u2014\u2018-\u201f\u2026]"
# Wide punctuation is cut out of Latin runs so "好，world" gives 好， + world, not 好 + ，world.
PIECES = re.compile(
    r"\s+|"
    + CJK_CHAR.pattern
    + "|"
    + WIDE_PUNCTUATION
    + "+|[^\\s\u3000-\u303f\uff00-\uffef\u2014\u2018-\u201f\u2026"
    + CJK_CHAR.pattern[1:-1]
    + "]+"
)
# Weights are in "one CJK syllable" units: a Latin letter is spoken much faster than a Chinese character,
# and punctuation is silence that a proportional estimate must leave room for.
CJK_WEIGHT = 1.0
LATIN_CHAR_WEIGHT = 0.3
SENTENCE_PAUSE = 1.2
CLAUSE_PAUSE = 0.6


def _is_punctuation(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in text)


def tokenize(text: str) -> list[tuple[str, bool]]:
    """Tokens as (text, space_before): CJK characters one by one, other runs split on whitespace.

    Punctuation sticks to the token it follows (or precedes, for opening brackets) so a subtitle line never starts
    with a comma, and `join_tokens` gives back the original text with its spacing.
    """
    tokens: list[tuple[str, bool]] = []
    prefix, prefix_space, space = "", False, False
    for piece in PIECES.findall(text):
        if piece.isspace():
            space = True
            continue
        if _is_punctuation(piece) and set(piece) <= OPENING:
            prefix_space = prefix_space if prefix else space
            prefix += piece
        elif prefix:
            tokens.append((prefix + piece, prefix_space))
            prefix = ""
        elif _is_punctuation(piece) and tokens and not space:
            tokens[-1] = (tokens[-1][0] + piece, tokens[-1][1])
        else:
            tokens.append((piece, space))
        space = False
    if prefix:
        tokens.append((prefix, prefix_space))
    return tokens


def join_tokens(tokens: list[tuple[str, bool]]) -> str:
    return "".join((" " if space and index else "") + token for index, (token, space) in enumerate(tokens))


def token_weight(token: str) -> float:
    spoken = sum(CJK_WEIGHT if CJK_CHAR.match(ch) else LATIN_CHAR_WEIGHT for ch in token if ch.isalnum())
    return max(spoken, 0.5)


def pause_weight(token: str) -> float:
    last = token.rstrip("”’》）)」』】]>\"'")[-1:] if token else ""
    if last in SENTENCE_END:
        return SENTENCE_PAUSE
    if last in CLAUSE_END:
        return CLAUSE_PAUSE
    return 0.0


def estimate_timings(text: str, start: float, end: float) -> list[WordTiming]:
    """Spread [start, end) over the tokens by spoken weight, leaving gaps where punctuation makes the voice pause."""
    tokens = tokenize(text)
    if not tokens or end <= start:
        return []
    weights = [(token_weight(token), pause_weight(token)) for token, _ in tokens]
    # The last pause is trailing silence only if the clip has it; keep it out so the last word ends at `end`.
    total = sum(spoken + pause for spoken, pause in weights) - weights[-1][1]
    scale = (end - start) / total
    timings: list[WordTiming] = []
    cursor = start
    for (token, space), (spoken, pause) in zip(tokens, weights, strict=True):
        word_end = cursor + spoken * scale
        timings.append(WordTiming(token=token, start=round(cursor, 3), end=round(word_end, 3), space_before=space))
        cursor = word_end + pause * scale
    return timings
