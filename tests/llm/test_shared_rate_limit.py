"""The LLM's rate limit holds across processes (issue 23, item 3): two worker processes drawing from one bucket in
Postgres together never send more than the bucket allows (its capacity plus what refilled since the start)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

from tests.llm.fake_openai_server import FakeOpenAIServer, ScriptedResponse, json_reply
from tests.llm.test_openai_backend import SEO

REQUESTS_PER_MINUTE = 120.0  # a 120-call bucket refilled at 2 calls a second
CALLS_PER_WORKER = 75  # 150 in all: 120 at once, the other 30 only as the bucket refills


class ArrivalLog:
    def __init__(self) -> None:
        self.times: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> ScriptedResponse:
        with self._lock:
            self.times.append(time.monotonic())
        return json_reply(SEO)


def test_two_worker_processes_together_stay_under_one_shared_llm_rate_limit(postgres_url: str) -> None:
    arrivals = ArrivalLog()
    server = FakeOpenAIServer(arrivals).start()
    try:
        command = [sys.executable, "-m", "tests.llm.shared_rate_worker", server.base_url, postgres_url]
        command += [str(CALLS_PER_WORKER), str(REQUESTS_PER_MINUTE)]
        workers = [subprocess.Popen(command) for _ in range(2)]
        assert [worker.wait(timeout=300) for worker in workers] == [0, 0]
    finally:
        server.stop()

    times = sorted(arrivals.times)
    assert len(times) == 2 * CALLS_PER_WORKER
    # Token-bucket conformance: by the n-th call, at most capacity + rate x elapsed calls may have been sent (one
    # call of slack for the clocks of separate processes). Two per-process buckets would send all 150 at once.
    rate = REQUESTS_PER_MINUTE / 60.0
    over = [n for n, at in enumerate(times, start=1) if n > REQUESTS_PER_MINUTE + rate * (at - times[0]) + 1]
    assert not over, f"call {over[0]} came {times[over[0] - 1] - times[0]:.1f} s in, above the shared limit"
