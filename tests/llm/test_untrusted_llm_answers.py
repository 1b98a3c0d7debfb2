"""The LLM's answers are untrusted input (issue 23, item 7): a reply that drips for ever is cut off at the call's
total deadline, and absurd reported usage is bounded before the rate limiter charges it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.llm.fake_openai_server import FakeOpenAIServer, dripping, json_reply, with_usage
from tests.llm.test_openai_backend import ANALYSIS
from video_assets.llm import LlmError
from video_assets.llm.openai_backend import OpenAICompatibleBackend
from video_assets.scripting import MaterialBrief


def test_a_reply_dripping_one_byte_at_a_time_is_cut_off_at_the_call_deadline(
    fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief], keyframes: list[Path]
) -> None:
    # Each byte comes well within the 5 s read timeout, so only a total deadline ends the call; the whole reply
    # would take minutes.
    fake_openai.queue(dripping(json_reply(ANALYSIS), seconds=0.5))
    backend = OpenAICompatibleBackend(
        base_url=fake_openai.base_url, api_key="k", text_model="m", timeout=5, call_deadline=2, max_retries=0
    )

    with pytest.raises(LlmError) as caught:
        backend.describe_material(briefs[0], keyframes, "文章")

    assert caught.value.transient and "APITimeoutError" in str(caught.value)
    assert len(fake_openai.requests) == 1


def test_absurd_reported_usage_costs_at_most_a_minute_of_waiting(
    fake_openai: FakeOpenAIServer, briefs: list[MaterialBrief], keyframes: list[Path]
) -> None:
    fake_openai.queue(with_usage(json_reply(ANALYSIS), 10**12), json_reply(ANALYSIS))
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if seconds > 60:  # charged as reported, the next call would sleep for years; stop the test here
            raise AssertionError(f"the rate limiter asked to sleep {seconds:.0f} s")
        time.sleep(seconds)

    # 600k tokens a minute: a full bucket refills in a minute, one call's estimate in well under a second.
    backend = OpenAICompatibleBackend(
        base_url=fake_openai.base_url, api_key="k", text_model="m", tokens_per_minute=600_000, sleep=sleep
    )

    backend.describe_material(briefs[0], keyframes, "文章")
    backend.describe_material(briefs[0], keyframes, "文章")

    assert waits, "the second call waited for the bucket the first one emptied"
    assert max(waits) <= 60.0
