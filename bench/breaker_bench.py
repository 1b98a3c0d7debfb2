"""Calls an LLM vendor receives during a scripted outage, with and without the shared circuit breaker.

Four workers (threads, each with its own backend, as separate step processes would have) need one answer each while
the OpenAI stand-in (real HTTP on localhost) answers 503 for OUTAGE_S seconds. Without the breaker a worker's step
fails after its transport retries and is retried by its RetryPolicy (modelled as a STEP_RETRY_DELAY_S pause, then
the call again); with it, the workers wait on the breaker in Postgres and one probe per interval reaches the vendor.
"""

from __future__ import annotations

import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness.postgres import create_database, drop_database, postgres_server  # noqa: E402
from tests.llm.fake_openai_server import FakeOpenAIServer, json_reply  # noqa: E402
from tests.llm.test_llm_breaker import Outage  # noqa: E402
from tests.llm.test_openai_backend import SEO  # noqa: E402
from video_assets.db.engine import get_engine  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.llm import LlmError  # noqa: E402
from video_assets.llm.openai_backend import OpenAICompatibleBackend  # noqa: E402
from video_assets.resilience import BreakerPolicy, VendorBreaker  # noqa: E402
from video_assets.scripting import Script  # noqa: E402

OUTAGE_S = 15.0
WORKERS = 4
STEP_RETRY_DELAY_S = 2.0
POLICY = BreakerPolicy(failure_threshold=3, probe_interval_seconds=3.0, patience_seconds=120.0)
SCRIPT = Script(
    style="default",
    hook="h",
    scenes=[{"narration": "n", "material_id": 1, "in_point": 0, "out_point": 3, "planned_duration": 3}],
)


def one_worker(server: FakeOpenAIServer, database_url: str | None) -> None:
    backend = OpenAICompatibleBackend(
        base_url=server.base_url,
        api_key="k",
        text_model="m",
        max_retries=4,
        backoff_base_seconds=0.5,
        backoff_max_seconds=2.0,
        breaker=VendorBreaker(database_url, "llm", POLICY) if database_url else None,
    )
    while True:
        try:
            backend.write_seo(SCRIPT, "标题", "zh")
            return
        except LlmError as error:
            if not error.transient:
                raise
            time.sleep(STEP_RETRY_DELAY_S)  # the step's RetryPolicy runs it again


def outage_calls(database_url: str | None) -> dict[str, float]:
    outage = Outage(OUTAGE_S, json_reply(SEO))
    server = FakeOpenAIServer(outage).start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            for future in [pool.submit(one_worker, server, database_url) for _ in range(WORKERS)]:
                future.result()
    finally:
        server.stop()
    return {"calls_while_down": outage.calls_while_down, "all_answered_after_s": round(time.monotonic() - started, 1)}


def run() -> dict[str, Any]:
    with postgres_server() as server_url:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        url = create_database(server_url, name)
        try:
            upgrade(url)
            without = outage_calls(None)
            with_breaker = outage_calls(url)
        finally:
            get_engine(url).dispose()
            drop_database(server_url, name)
    return {
        "outage_s": OUTAGE_S,
        "workers": WORKERS,
        "probe_interval_s": POLICY.probe_interval_seconds,
        "without_breaker": without,
        "with_breaker": with_breaker,
    }


if __name__ == "__main__":
    print(run())
