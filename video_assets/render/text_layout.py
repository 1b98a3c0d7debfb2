"""Line breaking that works for Chinese: libass only wraps at spaces, so CJK lines are broken here."""

from __future__ import annotations

import unicodedata

from video_assets.tts.words import CLAUSE_END, SENTENCE_END, tokenize

# Advance widths in em: CJK and full-width glyphs are square, Latin glyphs about half as wide.
WIDE_EM = 1.0
NARROW_EM = 0.56
SPACE_EM = 0.3
# Break at punctuation only if that keeps the line at least this full; otherwise break at the overflow point.
MIN_FILL_FOR_PUNCTUATION_BREAK = 0.5
CLOSING_PUNCTUATION = SENTENCE_END | CLAUSE_END | set("”’》）)」』】]>")


def text_width_em(text: str) -> float:
    return sum(
        SPACE_EM if ch.isspace() else WIDE_EM if unicodedata.east_asian_width(ch) in "WF" else NARROW_EM for ch in text
    )


def token_width_em(token: str, space_before: bool) -> float:
    return text_width_em(token) + (SPACE_EM if space_before else 0.0)


def max_em_per_line(usable_width_px: float, font_size_px: float) -> float:
    return max(usable_width_px / font_size_px, 2.0)


def break_lines(tokens: list[tuple[str, bool]], max_em: float) -> list[list[int]]:
    """Group token indexes into lines no wider than `max_em`, preferring to break after punctuation.

    A single token wider than a line (a very long Latin word) gets a line of its own rather than being split.
    """
    lines: list[list[int]] = []
    current: list[int] = []
    width = 0.0
    for index, (token, space_before) in enumerate(tokens):
        token_width = token_width_em(token, space_before and bool(current))
        if current and width + token_width > max_em:
            cut = _punctuation_cut(tokens, current, max_em)
            lines.append(current[:cut])
            current = current[cut:]
            width = _line_width(tokens, current)
            token_width = token_width_em(token, space_before and bool(current))
        current.append(index)
        width += token_width
    if current:
        lines.append(current)
    return lines


def _punctuation_cut(tokens: list[tuple[str, bool]], line: list[int], max_em: float) -> int:
    for position in range(len(line) - 1, 0, -1):
        ends_clause = tokens[line[position - 1]][0][-1] in CLOSING_PUNCTUATION
        if ends_clause and _line_width(tokens, line[:position]) >= max_em * MIN_FILL_FOR_PUNCTUATION_BREAK:
            return position
    return len(line)


def _line_width(tokens: list[tuple[str, bool]], line: list[int]) -> float:
    return sum(
        token_width_em(tokens[index][0], tokens[index][1] and position > 0) for position, index in enumerate(line)
    )


def line_text(tokens: list[tuple[str, bool]], line: list[int]) -> str:
    return "".join(
        (" " if tokens[index][1] and position else "") + tokens[index][0] for position, index in enumerate(line)
    )


def wrap_text(text: str, max_em: float) -> list[str]:
    """Break free text (a title) into lines for drawing; same rules as subtitles."""
    tokens = tokenize(text)
    return [line_text(tokens, line) for line in break_lines(tokens, max_em)]
