from __future__ import annotations

import threading

import pytest

from video_assets.llm import OfflinePlanner, RateLimiter, TokenBucket, make_llm_backend
from video_assets.llm.openai_backend import OpenAICompatibleBackend


class FakeClock:
    """Virtual time: sleeping advances the clock instantly, so waits are observable without real delays."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_waits_for_refill_once_the_minute_budget_is_spent() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock, sleep=clock.sleep)

    for _ in range(60):
        assert bucket.acquire() == 0.0
    waited = bucket.acquire()

    assert waited == pytest.approx(1.0)  # 60/min refills one unit per virtual second


def test_rate_limiter_applies_request_and_token_limits_together() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=1000, tokens_per_minute=6000, clock=clock, sleep=clock.sleep)

    limiter.acquire(6000)
    waited = limiter.acquire(3000)

    assert waited == pytest.approx(30.0)


def test_reported_usage_above_the_estimate_is_charged_to_the_token_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=None, tokens_per_minute=600, clock=clock, sleep=clock.sleep)

    limiter.acquire(100)
    limiter.settle(100, 600)

    assert limiter.acquire(100) > 0


def test_token_bucket_is_safe_to_share_between_threads() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1000, clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(100)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert bucket.acquire(200) == 0.0  # 800 taken, 200 left: never over- or under-counted


def test_make_llm_backend_defaults_to_the_offline_planner_and_builds_openai_from_settings() -> None:
    assert isinstance(make_llm_backend(), OfflinePlanner)
    backend = make_llm_backend("openai", base_url="http://127.0.0.1:9/v1", api_key="k", text_model="m")
    assert isinstance(backend, OpenAICompatibleBackend) and backend.vision_model == "m"


def test_make_llm_backend_rejects_missing_settings_and_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="api_key, text_model"):
        make_llm_backend("openai")
    with pytest.raises(ValueError, match="unknown LLM backend 'claude'"):
        make_llm_backend("claude")  # type: ignore[arg-type]
