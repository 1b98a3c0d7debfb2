"""Property tests with a bounded budget: whatever a request file holds, submit's parser raises nothing but its own
refusal; whatever an article holds, extraction raises nothing and its time grows linearly with the article."""

from __future__ import annotations

import gc
import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from video_assets.media import gather_materials, parse_article
from video_assets.request_json import RequestRejected, load_request
from video_assets.request_schema import VideoRequestSpec

BUDGET = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
# Characters that open, close or escape something in Markdown or HTML, plus text, space and line breaks.
SIGNIFICANT = "![]()<>/\\\"'=`*_~&#;:|-+.> \n\taA1中"
UNIT = st.text(alphabet=SIGNIFICANT, min_size=1, max_size=8)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
near_requests = st.fixed_dictionaries(
    {"title": st.text(max_size=40), "markdown": st.text(max_size=400)},
    optional={name: json_values for name in VideoRequestSpec.model_fields if name not in ("title", "markdown")},
)


def refused_or_valid(text: str) -> VideoRequestSpec | None:
    try:
        return load_request(text)
    except RequestRejected as refusal:
        assert refusal.problems and all(problem.strip() for problem in refusal.problems)
        return None


@BUDGET
@given(st.text(max_size=300) | json_values.map(json.dumps))
def test_any_text_is_a_request_or_a_refusal(text: str) -> None:
    refused_or_valid(text)


@BUDGET
@given(near_requests)
def test_any_near_request_is_a_request_or_a_refusal_and_its_materials_can_be_gathered(raw: dict[str, Any]) -> None:
    spec = refused_or_valid(json.dumps(raw))
    if spec is not None:
        gather_materials(spec.materials, parse_article(spec.markdown))


@BUDGET
@given(st.text(alphabet=SIGNIFICANT, max_size=2000))
def test_any_article_is_parsed_and_gathered_without_an_error(markdown: str) -> None:
    article = parse_article(markdown)
    accepted, rejected = gather_materials([], article)
    assert {source.uri for source in accepted} | {source.uri for source in rejected} <= {m.uri for m in article.media}


def cpu_seconds(markdown: str) -> float:
    """The best of two runs, in this thread's CPU time, with no garbage collection of the test process meanwhile."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(2):
            started = time.thread_time()
            gather_materials([], parse_article(markdown))
            best = min(best, time.thread_time() - started)
    finally:
        gc.enable()
    return best


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(UNIT, UNIT)
def test_extraction_time_grows_linearly_with_a_repeated_fragment(prefix: str, unit: str) -> None:
    """Linear work grows about 4 times from n to 4n, quadratic work 16 times."""
    small, large = (prefix + unit * (size // len(unit)) for size in (4_000, 16_000))
    assert cpu_seconds(large) / max(cpu_seconds(small), 0.002) < 10
