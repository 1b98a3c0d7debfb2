"""Per-unit timings: mapped from the word boundaries a TTS reports, or spread over a clip by syllables."""

from __future__ import annotations

from video_assets.tts.base import WordTiming
from video_assets.tts.syllables import syllables
from video_assets.tts.words import CJK_CHAR, CLAUSE_END, SENTENCE_END, tokenize

# Pauses in syllables: punctuation is silence that a proportional estimate must leave room for.
SENTENCE_PAUSE = 1.2
CLAUSE_PAUSE = 0.6
MIN_UNIT_SYLLABLES = 0.5
_CLOSING = "”’》）)」』】]>\"'"


def pause_weight(token: str) -> float:
    last = token.rstrip(_CLOSING)[-1:] if token else ""
    if last in SENTENCE_END:
        return SENTENCE_PAUSE
    if last in CLAUSE_END:
        return CLAUSE_PAUSE
    return 0.0


def estimate_timings(text: str, start: float, end: float) -> list[WordTiming]:
    """Spread [start, end) over the units by syllables, leaving gaps where punctuation makes the voice pause."""
    return spread(tokenize(text), start, end, chinese=bool(CJK_CHAR.search(text)))


def spread(tokens: list[tuple[str, bool]], start: float, end: float, chinese: bool) -> list[WordTiming]:
    if not tokens or end <= start:
        return []
    weights = [(max(syllables(token, chinese), MIN_UNIT_SYLLABLES), pause_weight(token)) for token, _ in tokens]
    # The last pause is trailing silence only if the clip has it; keep it out so the last unit ends at `end`.
    total = sum(spoken + pause for spoken, pause in weights) - weights[-1][1]
    scale = (end - start) / total
    timings: list[WordTiming] = []
    cursor = start
    for (token, space), (spoken, pause) in zip(tokens, weights, strict=True):
        unit_end = cursor + spoken * scale
        timings.append(WordTiming(token=token, start=round(cursor, 3), end=round(unit_end, 3), space_before=space))
        cursor = unit_end + pause * scale
    return timings


def align_boundaries(text: str, boundaries: list[WordTiming]) -> list[WordTiming]:
    """Our units timed from a TTS's own word boundaries, which may be cut differently (edge-tts splits Chinese its
    own way): each boundary's time is spread over its characters, and a unit runs from its first to its last
    character. Units the boundaries do not reach (text the service skipped) are estimated between their
    neighbours."""
    char_times = _char_times(text, boundaries)
    tokens = tokenize(text)
    timings: list[WordTiming | None] = []
    position = 0
    for token, space in tokens:
        position = text.index(token[0], position)
        covered = [char_times[i] for i in range(position, position + len(token)) if i in char_times]
        position += len(token)
        if covered:
            timings.append(WordTiming(token, round(covered[0][0], 3), round(covered[-1][1], 3), space))
        else:
            timings.append(None)
    return _fill_gaps(tokens, timings, boundaries, chinese=bool(CJK_CHAR.search(text)))


def _char_times(text: str, boundaries: list[WordTiming]) -> dict[int, tuple[float, float]]:
    times: dict[int, tuple[float, float]] = {}
    position = 0
    for boundary in boundaries:
        found = text.find(boundary.token, position) if boundary.token else -1
        if found < 0:
            continue
        spoken = [i for i in range(found, found + len(boundary.token)) if text[i].isalnum()]
        step = (boundary.end - boundary.start) / max(len(spoken), 1)
        for n, index in enumerate(spoken):
            times[index] = (boundary.start + n * step, boundary.start + (n + 1) * step)
        position = found + len(boundary.token)
    return times


def _fill_gaps(
    tokens: list[tuple[str, bool]], timings: list[WordTiming | None], boundaries: list[WordTiming], chinese: bool
) -> list[WordTiming]:
    filled: list[WordTiming] = []
    index = 0
    end_of_speech = boundaries[-1].end if boundaries else 0.0
    while index < len(timings):
        timing = timings[index]
        if timing is not None:
            filled.append(timing)
            index += 1
            continue
        gap_end = next((i for i in range(index, len(timings)) if timings[i] is not None), len(timings))
        after = timings[gap_end] if gap_end < len(timings) else None
        start = filled[-1].end if filled else 0.0
        end = after.start if after is not None else end_of_speech
        missing = tokens[index:gap_end]
        filled += spread(missing, start, end, chinese) or [WordTiming(t, start, start, space) for t, space in missing]
        index = gap_end
    return filled
