"""`make bench`: every benchmark (or those named) in one process run, printed as JSON lines and merged into
bench/results/latest.json."""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BENCHMARKS = (
    "sensor_bench",
    "exporter_bench",
    "feed_bench",
    "api_bench",
    "reconcile_bench",
    "breaker_bench",
    "tracing_bench",
    "vendor_outage_bench",
    "ingest_bench",
    "exotic_clip_bench",
    "render_bench",
    "request_bench",
    "production_bench",
    "celery_bench",
)


def main() -> None:
    selected = sys.argv[1:] or list(BENCHMARKS)
    results = {}
    for name in selected:
        started = time.perf_counter()
        results[name] = importlib.import_module(name).run()
        results[name]["bench_wall_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps({name: results[name]}), flush=True)
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    # Running a subset keeps the other benchmarks' last figures.
    earlier = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps(earlier | results, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
