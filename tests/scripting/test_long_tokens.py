"""Whatever long token an article holds (a glued word, an all-caps sentence with or without spaces, a long URL), in
whichever language, the offline describer, writer and SEO pass give valid results whose text stays bounded."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.scripting.multilingual import LANGUAGES, SENTENCES
from video_assets.llm import OfflinePlanner
from video_assets.scripting import MaterialBrief, check_coverage
from video_assets.scripting.text import MAX_TOKEN_CHARS, bound_tokens

BUDGET = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
LONG = {"min_size": 201, "max_size": 700}

long_tokens = st.one_of(
    st.text(alphabet=LOWER, **LONG),  # a glued word
    st.text(alphabet=UPPER, **LONG),  # an all-caps sentence without spaces
    st.lists(st.text(alphabet=UPPER, min_size=1, max_size=12), min_size=30, max_size=90).map(" ".join),  # shouted
    st.text(alphabet=LOWER + "/-_.?=&%0123456789", **LONG).map(lambda path: f"https://example.com/{path}"),
)


def _spaced_runs(text: str) -> list[str]:
    """Latin runs between spaces, without the punctuation that ends a sentence or clause after them: what a
    tokenizer, a keyword or a subtitle line sees as one word."""
    return [run.strip(".,:;?!") for run in re.findall(r"[A-Za-z0-9/:._%?=&-]+", text)]


@st.composite
def articles(draw: st.DrawFn) -> tuple[str, str, str, list[str]]:
    """(language, title, article text, material contexts), with a long token in the title, a sentence or a context."""
    language = draw(st.sampled_from(LANGUAGES))
    sentences = list(SENTENCES[language])
    token = draw(long_tokens)
    where = draw(st.sampled_from(["title", "sentence", "context"]))
    at = draw(st.integers(0, len(sentences) - 1))
    if where == "sentence":
        sentences[at] = f"{sentences[at]} {token} {sentences[at]}"
    title = f"{sentences[0][:20]} {token}" if where == "title" else sentences[0][:20]
    contexts = [sentences[0], sentences[-1]]
    if where == "context":
        contexts[0] = f"{contexts[0]} {token}"
    return language, title, "\n\n".join(sentences), contexts


def _chinese_article_with_a_glued_word() -> tuple[str, str, str, list[str]]:
    """Found by CI: the SEO description glued two scenes' bounded pieces of the word back into one long run."""
    sentences = list(SENTENCES["zh"])
    sentences[1] = f"{sentences[1]} {'a' * 300} {sentences[1]}"
    return "zh", sentences[0][:20], "\n\n".join(sentences), [sentences[0], sentences[-1]]


@BUDGET
@given(articles(), st.sampled_from([15.0, 30.0, 60.0]))
@example(_chinese_article_with_a_glued_word(), 30.0)
def test_no_long_token_breaks_the_offline_describer_writer_or_seo_pass_in_any_language(
    article: tuple[str, str, str, list[str]], target: float
) -> None:
    language, title, text, contexts = article
    planner = OfflinePlanner()
    briefs = [
        MaterialBrief(id=1, kind="image", width=800, height=600, context=contexts[0]),
        MaterialBrief(id=2, kind="video", duration=5.0, width=1280, height=720, context=contexts[1]),
    ]
    described = []
    for brief in briefs:
        analysis, _ = planner.describe_material(brief, [], f"{title}\n{text}")
        assert all(len(run) <= MAX_TOKEN_CHARS for run in _spaced_runs(analysis.theme + " " + analysis.description))
        described.append(brief.model_copy(update={"analysis": analysis}))
    for style in ("default", "product_geek"):
        script, _ = planner.write_script(title, text, described, style, language, target, 0)
        narration = " ".join(scene.narration for scene in script.scenes)
        assert check_coverage(script, described).ok
        assert all(len(run) <= MAX_TOKEN_CHARS for run in _spaced_runs(narration))
        seo, _ = planner.write_seo(script, title, language)
        assert all(len(run) <= MAX_TOKEN_CHARS for run in _spaced_runs(seo.description))


def test_a_long_url_is_read_as_its_host_and_a_glued_word_is_cut_into_bounded_pieces() -> None:
    url = "https://shop.example.com/" + "a1b2c3/" * 40
    assert bound_tokens(f"详情见 {url} 。") == "详情见 shop.example.com 。"
    word = "X" * (MAX_TOKEN_CHARS * 2 + 5)
    pieces = bound_tokens(f"a {word} b").split()
    assert pieces[0] == "a" and pieces[-1] == "b" and "".join(pieces[1:-1]) == word
    assert all(len(piece) <= MAX_TOKEN_CHARS for piece in pieces)


def test_chinese_and_thai_sentences_without_spaces_are_left_whole() -> None:
    chinese, thai = SENTENCES["zh"][0] * 20, SENTENCES["th"][0] * 10
    assert bound_tokens(chinese) == chinese and bound_tokens(thai) == thai
