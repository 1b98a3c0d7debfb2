"""Karaoke units and line breaks on words: jieba for Chinese, whitespace for Latin text, mixed terms whole."""

from __future__ import annotations

import jieba

from video_assets.render.text_layout import break_lines, line_text
from video_assets.tts.base import WordTiming
from video_assets.tts.timing import align_boundaries, estimate_timings
from video_assets.tts.words import join_tokens, tokenize


def units(text: str) -> list[str]:
    return [token for token, _ in tokenize(text)]


def test_chinese_units_are_jieba_words_with_their_punctuation() -> None:
    assert units("人工智能正在改变世界，续航做到极致。") == [
        "人工智能",
        "正在",
        "改变",
        "世界，",
        "续航",
        "做到",
        "极致。",
    ]


def test_mixed_terms_stay_whole_in_chinese_text() -> None:
    text = "AI芯片和iPhone 16 Pro，售价 3999 元，穿T恤测 5G网络，厚度 8.2 毫米。"
    assert units(text) == [
        "AI芯片",
        "和",
        "iPhone 16 Pro，",
        "售价",
        "3999 元，",
        "穿",
        "T恤",
        "测",
        "5G网络，",
        "厚度",
        "8.2 毫米。",
    ]
    assert join_tokens(tokenize(text)) == text


def test_latin_text_keeps_whitespace_words_even_for_capitalised_names() -> None:
    assert units("The Galaxy S24 Ultra costs 999 dollars.") == [
        "The",
        "Galaxy",
        "S24",
        "Ultra",
        "costs",
        "999",
        "dollars.",
    ]


def test_an_opening_bracket_after_a_full_stop_goes_with_the_next_word() -> None:
    assert units("很快。《三体》好看") == ["很快。", "《三体》", "好看"]


def test_a_long_line_breaks_at_clause_punctuation_and_never_inside_a_word() -> None:
    text = "今天我们发布新一代芯片，它的能效比上一代提升了一倍以上，人工智能助手全天在线"
    tokens = tokenize(text)
    lines = [line_text(tokens, line) for line in break_lines(tokens, 14)]
    assert lines[0] == "今天我们发布新一代芯片，"
    words = jieba.lcut(text)
    boundaries = {sum(len(word) for word in words[:n]) for n in range(len(words) + 1)}
    offset = 0
    for line in lines:
        assert offset in boundaries, (line, lines)
        offset += len(line)


def test_estimates_give_a_number_the_time_of_its_spoken_syllables() -> None:
    # 3999 is four characters but seven syllables (三千九百九十九); 手机 is two characters and two syllables.
    timings = {timing.token: timing for timing in estimate_timings("手机售价 3999 元", 0.0, 3.0)}
    number = timings["3999 元"].end - timings["3999 元"].start
    phone = timings["手机"].end - timings["手机"].start
    assert number > 3.5 * phone


def test_word_boundaries_cut_differently_by_the_tts_are_mapped_onto_our_units() -> None:
    # edge-tts reports its own words: here 人工 + 智能 (our one unit) and 正在改变 (two of ours).
    boundaries = [
        WordTiming("人工", 0.10, 0.40),
        WordTiming("智能", 0.40, 0.80),
        WordTiming("正在改变", 0.90, 1.70),
        WordTiming("世界", 1.80, 2.30),
    ]
    timings = align_boundaries("人工智能正在改变世界。", boundaries)
    assert [(t.token, t.start, t.end) for t in timings] == [
        ("人工智能", 0.1, 0.8),
        ("正在", 0.9, 1.3),
        ("改变", 1.3, 1.7),
        ("世界。", 1.8, 2.3),
    ]


def test_units_the_boundaries_miss_are_placed_between_their_neighbours() -> None:
    timings = align_boundaries("你好，世界", [WordTiming("你好", 0.0, 0.5), WordTiming("unrelated", 0.6, 0.7)])
    assert [t.token for t in timings] == ["你好，", "世界"]
    assert timings[1].start >= timings[0].end
