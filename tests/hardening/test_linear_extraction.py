"""Extraction takes time linear in the article's size, whatever constructs the article leaves open.

Before markdown-it-py replaced the hand-written patterns, 198,000 characters of `![` took 273 s in one call (446 s
on a loaded machine), and that call ran in several stages. Each construct below is repeated, unclosed, up to the
schema's 200,000-character limit and taken through everything the stages do with an article's text; its CPU time
is compared with a quarter of the same input. Linear work grows about 4 times, quadratic work 16 times. The CPU time
of the measuring thread, not wall time, so that other processes and threads do not move the ratio.
"""

from __future__ import annotations

import gc
import time

import pytest

from video_assets.media import gather_materials, parse_article
from video_assets.request_schema import MAX_MARKDOWN_CHARS, Material
from video_assets.scripting.text import keywords, split_sentences, terms

LIMIT = MAX_MARKDOWN_CHARS
MAX_GROWTH = 10.0
UNCLOSED = [
    "![",
    "![a](",
    "[",
    "[a]: ",
    "<",
    "<img ",
    '<img src="',
    "<video><source src=",
    "<a b='",
    "<!--",
    "`",
    "```\n",
    "**a",
    "&#",
    "http://",
    "| a |\n",
    "1",
    "Aa1 ",
]


def extraction_seconds(markdown: str) -> float:
    """What an article costs the stages: media_items parses and gathers, the planner splits and ranks its text."""
    gc.collect()
    gc.disable()  # a collection of the whole test process's objects is not the extraction's work
    try:
        started = time.thread_time()
        article = parse_article(markdown)
        gather_materials([Material(uri="https://cdn.example.com/teaser.mp4")], article)
        text = article.text
        split_sentences(text), keywords(text, limit=15), terms(text)
        return time.thread_time() - started
    finally:
        gc.enable()


def repeated(construct: str, size: int) -> str:
    return (construct * (size // len(construct) + 1))[:size]


@pytest.mark.parametrize("construct", UNCLOSED)
def test_an_unclosed_construct_repeated_to_the_size_limit_costs_time_linear_in_its_size(construct: str) -> None:
    quarter = extraction_seconds(repeated(construct, LIMIT // 4))
    full = extraction_seconds(repeated(construct, LIMIT))
    assert full / max(quarter, 0.01) < MAX_GROWTH, f"{construct!r}: {quarter:.2f} s, then {full:.2f} s at 4x"


def test_article_media_beyond_the_cap_cost_no_context_work() -> None:
    images = "".join(f"![](https://cdn.example.com/{index}.jpg)" for index in range(LIMIT // 40))
    accepted, rejected = gather_materials([], parse_article(images))
    assert len(accepted) == 50 and len(rejected) == LIMIT // 40 - 50
    assert all("more than 50 materials" in item.reason for item in rejected)
