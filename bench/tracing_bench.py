"""What tracing costs a stage: the wall time of one stage span (one child span inside, then the flush at its end)
with tracing off, with a collector answering (the OTLP stand-in from tests/), and with the collector's port closed.

Each mode runs in its own process, as a step runs in a run worker: a process installs its tracer provider once.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.observability.otlp_receiver import closed_port, otlp_receiver  # noqa: E402
from video_assets.tracing.provider import ENDPOINT_ENV  # noqa: E402

STAGES = 5
STAGE = f"""
import json, time
from video_assets.tracing import child_span, stage_span, start_request_trace

traceparent = start_request_trace("bench")
seconds = []
for index in range({STAGES}):
    started = time.perf_counter()
    with stage_span(traceparent, "bench-run", "media_items", "bench"), child_span("ffprobe", {{}}):
        pass
    seconds.append(time.perf_counter() - started)
print(json.dumps(seconds))
"""


def stage_seconds(endpoint: str | None) -> list[float]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    if endpoint:
        env[ENDPOINT_ENV] = endpoint
    done = subprocess.run([sys.executable, "-c", STAGE], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def run() -> dict[str, Any]:
    with otlp_receiver() as (endpoint, received):
        up = stage_seconds(endpoint)
        spans_received = len(received.spans)
    modes = {
        "off": stage_seconds(None),
        "collector_up": up,
        "collector_down": stage_seconds(f"http://127.0.0.1:{closed_port()}"),
    }
    return {
        "stages_per_mode": STAGES,
        "spans_received_when_up": spans_received,
        **{f"stage_end_{mode}_median_s": round(statistics.median(seconds), 4) for mode, seconds in modes.items()},
        **{f"stage_end_{mode}_max_s": round(max(seconds), 4) for mode, seconds in modes.items()},
    }


if __name__ == "__main__":
    print(json.dumps(run()))
