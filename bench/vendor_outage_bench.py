"""Calls the TTS vendor and the merge vendor receive during a scripted outage, with and without their shared breakers.

WORKERS threads (each with its own client, as separate step processes would have) need one answer each while the
stand-in (real HTTP on localhost: an OpenAI-style speech endpoint, the Easegen stand-in) answers 503 for OUTAGE_S
seconds. Without the breaker a worker's call fails after its own retries and is retried by the step's RetryPolicy
(modelled as a STEP_RETRY_DELAY_S pause, then the call again); with it, the workers wait on the breaker in Postgres
and one probe per interval reaches the vendor.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness.postgres import create_database, drop_database, postgres_server  # noqa: E402
from tests.media_samples import tone  # noqa: E402
from tests.merge.fake_easegen import FakeEasegen  # noqa: E402
from tests.resilience.outage_server import OutageServer  # noqa: E402
from tests.resilience.test_vendor_outages import SUBMISSION  # noqa: E402
from video_assets.db.engine import get_engine  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.merge import EasegenBackend  # noqa: E402
from video_assets.resilience import BreakerPolicy, VendorGuard, shared_guard  # noqa: E402
from video_assets.transient import is_transient  # noqa: E402
from video_assets.tts import make_tts  # noqa: E402

OUTAGE_S = 15.0
WORKERS = 4
STEP_RETRY_DELAY_S = 2.0
POLICY = BreakerPolicy(failure_threshold=3, probe_interval_seconds=3.0)


def until_answered(call: Callable[[], object]) -> None:
    while True:
        try:
            call()
            return
        except Exception as error:
            if not is_transient(error):
                raise
            time.sleep(STEP_RETRY_DELAY_S)  # the step's RetryPolicy runs it again


def in_parallel(calls: list[Callable[[], object]]) -> float:
    started = time.monotonic()
    with ThreadPoolExecutor(len(calls)) as pool:
        for future in [pool.submit(until_answered, call) for call in calls]:
            future.result()
    return round(time.monotonic() - started, 1)


def worker_guard(database_url: str, vendor: str) -> VendorGuard:
    guard = shared_guard(database_url, vendor, 120.0, requests_per_minute=600, max_retries=2, policy=POLICY)
    guard.backoff_base_seconds, guard.backoff_max_seconds = 0.5, 2.0
    return guard


def tts_outage(database_url: str, speech: bytes, folder: Path) -> dict[str, float]:
    with OutageServer({"/v1/audio/speech": ("audio/mpeg", speech)}) as server:
        server.go_down(OUTAGE_S)
        calls = []
        for index in range(WORKERS):
            guard = worker_guard(database_url, "tts")
            engine = make_tts("openai", api_key="k", base_url=f"{server.base_url}/v1", guard=guard)
            out = folder / f"speech-{index}"
            calls.append(lambda engine=engine, out=out: engine.synthesize("你好。", "zh", None, out))
        seconds = in_parallel(calls)
        return {"calls_while_down": server.calls_while_down, "all_answered_after_s": seconds}


def merge_outage(database_url: str) -> dict[str, float]:
    with FakeEasegen() as easegen:
        easegen.go_down(OUTAGE_S)
        calls = []
        for _ in range(WORKERS):
            guard = worker_guard(database_url, "merge:easegen")
            backend = EasegenBackend(easegen.base_url, easegen.api_key, guard=guard)
            calls.append(lambda backend=backend: backend.submit(SUBMISSION))
        seconds = in_parallel(calls)
        return {"calls_while_down": easegen.calls_while_down, "all_answered_after_s": seconds}


def run() -> dict[str, Any]:
    with postgres_server() as server_url, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        speech = tone(folder / "speech.mp3", 1.0, frequency=500, sample_rate=24000).read_bytes()
        name = f"bench_{uuid.uuid4().hex[:8]}"
        url = create_database(server_url, name)
        try:
            upgrade(url)
            # An empty database URL builds the guard without a breaker or shared rate limit.
            results = {
                "tts_without_breaker": tts_outage("", speech, folder),
                "tts_with_breaker": tts_outage(url, speech, folder),
                "merge_without_breaker": merge_outage(""),
                "merge_with_breaker": merge_outage(url),
            }
        finally:
            get_engine(url).dispose()
            drop_database(server_url, name)
    return {"outage_s": OUTAGE_S, "workers": WORKERS, "probe_interval_s": POLICY.probe_interval_seconds, **results}


if __name__ == "__main__":
    print(run())
