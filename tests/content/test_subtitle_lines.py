"""Subtitle lines of a whole Chinese article, from real espeak-ng speech, checked against jieba run separately."""

from __future__ import annotations

import re
from pathlib import Path

import jieba
import pytest

from video_assets.media.article import parse_article
from video_assets.render.subtitles import build_cues, layout_for, write_ass
from video_assets.request_schema import SubtitleStyle
from video_assets.tts import EspeakTts

ARTICLE = Path(__file__).parents[1] / "scripting" / "article_zh.md"
OVERRIDE = re.compile(r"\{[^}]*\}")


def ass_lines(ass: Path) -> list[list[str]]:
    """Each Dialogue's lines as drawn: override tags ({\\kf..}) removed, split at \\N."""
    cues = []
    for line in ass.read_text(encoding="utf-8").splitlines():
        if line.startswith("Dialogue:"):
            text = line.split(",", 9)[9]
            cues.append(OVERRIDE.sub("", text).split("\\N"))
    return cues


def break_offsets(paragraph: str, cues: list[list[str]]) -> list[tuple[int, str]]:
    """Where in the paragraph each drawn line starts (whitespace between lines skipped), with the line."""
    offsets, cursor = [], 0
    for lines in cues:
        for line in lines:
            while paragraph[cursor].isspace():
                cursor += 1
            assert paragraph.startswith(line, cursor), (line, paragraph[cursor : cursor + 40])
            offsets.append((cursor, line))
            cursor += len(line)
    assert cursor == len(paragraph.rstrip())
    return offsets


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    article = parse_article(ARTICLE.read_text(encoding="utf-8"))
    return [" ".join(block.split()) for block in article.blocks if block.strip()]


def test_no_subtitle_line_of_a_whole_article_starts_inside_a_jieba_word(paragraphs: list[str], tmp_path: Path) -> None:
    assert sum(len(paragraph) for paragraph in paragraphs) >= 1400
    tts = EspeakTts(speed=190)
    max_em = layout_for(SubtitleStyle(), (1080, 1920)).max_em
    splits, lines_checked = [], 0
    for number, paragraph in enumerate(paragraphs):
        narration = tts.synthesize(paragraph, "zh", None, tmp_path / f"p{number}.wav")
        cues = build_cues(narration.words, narration.duration, max_em)
        drawn = ass_lines(write_ass(cues, SubtitleStyle(), (1080, 1920), tmp_path / f"p{number}.ass"))
        words = jieba.lcut(paragraph)
        starts = {sum(len(word) for word in words[:n]) for n in range(len(words) + 1)}
        for offset, line in break_offsets(paragraph, drawn):
            lines_checked += 1
            if offset not in starts:
                inside = next(
                    w for n, w in enumerate(words) if sum(map(len, words[:n])) < offset < sum(map(len, words[: n + 1]))
                )
                splits.append(f"line {line!r} starts inside {inside!r}")
    assert lines_checked > 60
    assert not splits, splits
