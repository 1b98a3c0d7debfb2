from video_assets.render.text_layout import break_lines, text_width_em, wrap_text
from video_assets.tts.words import join_tokens, tokenize


def test_chinese_lines_never_exceed_the_width_and_keep_every_character() -> None:
    text = "人工智能正在改变我们的生活方式从医疗到教育再到交通运输每一个领域都在发生变化"
    lines = wrap_text(text, 8)
    assert "".join(lines) == text
    assert all(text_width_em(line) <= 8 for line in lines)


def test_chinese_lines_prefer_breaking_after_punctuation() -> None:
    lines = wrap_text("今天天气很好，我们一起去公园散步吧。", 9)
    assert lines[0] == "今天天气很好，"


def test_a_line_never_starts_with_closing_punctuation() -> None:
    for line in wrap_text("一二三四五六七八，九十一二三四五六七，八九十。", 8)[1:]:
        assert line[0] not in "，。、！？"


def test_latin_words_are_not_split_and_spaces_are_kept() -> None:
    lines = wrap_text("Artificial intelligence is changing the way we live", 10)
    assert " ".join(lines) == "Artificial intelligence is changing the way we live"
    assert all(" " not in (line[0], line[-1]) for line in lines)


def test_mixed_text_round_trips_through_tokens() -> None:
    text = "OpenAI发布了GPT-4模型，速度快 2 倍。《三体》很好看！"
    assert join_tokens(tokenize(text)) == text


def test_one_token_per_chinese_word_and_per_english_word() -> None:
    assert [token for token, _ in tokenize("你好，world!")] == ["你好，", "world!"]
    assert [token for token, _ in tokenize("人工智能正在改变世界")] == ["人工智能", "正在", "改变", "世界"]


def test_an_overlong_word_gets_its_own_line() -> None:
    tokens = tokenize("a Pneumonoultramicroscopicsilicovolcanoconiosis b")
    assert [len(line) for line in break_lines(tokens, 6)] == [1, 1, 1]
