"""The LLM's circuit breaker, shared through Postgres (issue 23, items 1 and 2): an outage shorter than the vendor's
patience fails no call and the vendor sees only a few probes while it is down; a longer one fails with a reason that
names the vendor and the outage. Scaled down for the suite: a 20 s outage (the issue's scenario is 2 minutes),
probes every 4 s, patience 60 s."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.llm.fake_openai_server import FakeOpenAIServer, ScriptedResponse, error_reply, json_reply
from tests.llm.test_openai_backend import ANALYSIS
from video_assets.llm import LlmError
from video_assets.llm.openai_backend import OpenAICompatibleBackend
from video_assets.resilience import BreakerPolicy, VendorBreaker, breaker_states
from video_assets.scripting import MaterialBrief

OUTAGE_SECONDS = 20.0
POLICY = BreakerPolicy(failure_threshold=3, probe_interval_seconds=4.0, patience_seconds=60.0)


class Outage:
    """Answers 503 for `seconds` (None: for ever), then `answer`; counts the calls that came while it was down."""

    def __init__(self, seconds: float | None, answer: ScriptedResponse | None = None) -> None:
        self.ends_at = None if seconds is None else time.monotonic() + seconds
        self.answer = answer or json_reply(ANALYSIS)
        self.calls_while_down = 0
        self._lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> ScriptedResponse:
        with self._lock:
            if self.ends_at is None or time.monotonic() < self.ends_at:
                self.calls_while_down += 1
                return error_reply(503, "upstream overloaded")
        return self.answer


@pytest.fixture
def outage_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def worker_backend(server: FakeOpenAIServer, database_url: str, policy: BreakerPolicy) -> OpenAICompatibleBackend:
    """What one worker process builds: its own client and its own handle on the shared breaker."""
    return OpenAICompatibleBackend(
        base_url=server.base_url,
        api_key="k",
        text_model="m",
        max_retries=4,
        backoff_base_seconds=0.2,
        backoff_max_seconds=0.5,
        breaker=VendorBreaker(database_url, "llm", policy),
    )


def test_an_llm_outage_shorter_than_its_patience_fails_nothing_and_sees_only_a_few_probes(
    outage_server: FakeOpenAIServer, postgres_url: str, briefs: list[MaterialBrief], keyframes: list[Path]
) -> None:
    outage = Outage(OUTAGE_SECONDS)
    outage_server.responder = outage
    workers = [worker_backend(outage_server, postgres_url, POLICY) for _ in range(2)]

    with ThreadPoolExecutor(2) as pool:
        calls = [
            pool.submit(worker.describe_material, briefs[index], keyframes, "文章")
            for index, worker in enumerate(workers)
        ]
        results = [call.result() for call in calls]

    assert [analysis.theme for analysis, _ in results] == [ANALYSIS["theme"]] * 2
    # Up to the threshold of failures (plus one call already in flight from the other worker) opens the breaker;
    # then one probe per interval for both workers together. Without the breaker each worker would keep retrying.
    allowed = POLICY.failure_threshold + 1 + int(OUTAGE_SECONDS / POLICY.probe_interval_seconds) + 1
    assert 0 < outage.calls_while_down <= allowed, f"{outage.calls_while_down} calls reached the vendor while down"
    assert [(state.vendor, state.state, state.failures) for state in breaker_states(postgres_url)] == [
        ("llm", "closed", 0)
    ]


def test_an_llm_outage_longer_than_its_patience_fails_naming_the_vendor_and_the_outage(
    outage_server: FakeOpenAIServer, postgres_url: str, briefs: list[MaterialBrief], keyframes: list[Path]
) -> None:
    outage_server.responder = Outage(None)
    policy = BreakerPolicy(failure_threshold=2, probe_interval_seconds=1.0, patience_seconds=3.0)

    with pytest.raises(LlmError) as caught:
        worker_backend(outage_server, postgres_url, policy).describe_material(briefs[0], keyframes, "文章")

    assert not caught.value.transient
    assert "vendor llm has been down since" in str(caught.value) and "longer than its patience of 3 s" in str(
        caught.value
    )
    assert "HTTP 503" in str(caught.value) or "upstream overloaded" in str(caught.value)
    (state,) = breaker_states(postgres_url)
    assert state.state == "open" and state.opened_at is not None
