"""HTTP API under load: the real `video-assets api` (uvicorn) on a throwaway Postgres and the moto S3 server, driven by
16 concurrent clients for 30 s per route: the no-op `/healthz`, `POST /v1/videos` and `GET /v1/videos/{id}`.

The target is submit p99 within 5x the no-op route's p99 from the same run: what submit adds (validation, the key
lookup, the rate and quota counters, the row) must not dwarf what any call costs."""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.harness.postgres import create_database, drop_database, free_port, postgres_server  # noqa: E402
from tests.harness.s3 import moto_server  # noqa: E402
from video_assets.db.engine import get_engine, session_scope  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.service.keys import create_key  # noqa: E402

CLIENTS = int(os.environ.get("API_BENCH_CLIENTS", "16"))
SECONDS = float(os.environ.get("API_BENCH_SECONDS", "30"))
WORKERS = int(os.environ.get("API_BENCH_WORKERS", "1"))  # the deployment default
BODY = {
    "title": "Bench",
    "markdown": "# Coffee\n\nA cup of coffee on a table, photographed from above.",
    "materials": [{"uri": "http://127.0.0.1:9/coffee.jpg"}],  # never fetched: nothing launches runs here
    "video_count": 1,
    "aspect": "1:1",
    "target_duration": 15,
}


def _load(call: Callable[[requests.Session], int]) -> dict[str, float]:
    """`CLIENTS` threads calling for `SECONDS`; latency percentiles of the calls that answered as expected."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client() -> None:
        session = requests.Session()
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            ok = call(session) < 300
            elapsed = time.perf_counter() - started
            if ok:
                mine.append(elapsed)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "per_s": round(len(ordered) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else -1.0,
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1) if ordered else -1.0,
        "failed": failures[0],
    }


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "video_assets.cli", "api"], env=env, cwd=REPO, stdout=output, stderr=output
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.2)


def run() -> dict[str, object]:
    with postgres_server() as server, moto_server() as s3_endpoint:
        name = f"va_bench_{uuid.uuid4().hex[:8]}"
        url = create_database(server, name)
        home = Path(f"/tmp/{name}")
        home.mkdir()
        process = None
        try:
            upgrade(url)
            with session_scope(url) as session:
                key = create_key(session, "bench", ["submit", "read"])
            port = free_port()
            kept = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEO_ASSETS_", "AWS_", "DAGSTER_"))}
            env = kept | {
                "VIDEO_ASSETS_HOME": str(home),
                "VIDEO_ASSETS_DATABASE_URL": url,
                "VIDEO_ASSETS_STORAGE": "s3",
                "VIDEO_ASSETS_S3_BUCKET": name.replace("_", "-"),
                "VIDEO_ASSETS_S3_ENDPOINT_URL": s3_endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "VIDEO_ASSETS_FETCH_ALLOW_HOSTS": "127.0.0.1",
                "VIDEO_ASSETS_API_PORT": str(port),
                "VIDEO_ASSETS_API_WORKERS": str(WORKERS),
                "VIDEO_ASSETS_API_RATE_PER_MINUTE": "100000000",
                "VIDEO_ASSETS_API_DAILY_OUTPUT_SECONDS": "1e12",
            }
            process = _serve(env, port, home / "api.log")
            base = f"http://127.0.0.1:{port}"
            auth = {"Authorization": f"Bearer {key}"}
            noop = _load(lambda s: s.get(f"{base}/healthz", timeout=30).status_code)
            submitted: list[str] = []

            calls = itertools.count()

            def submit(session: requests.Session) -> int:
                # Each body differs, as real articles do: nothing the service might cache makes one submit cheaper.
                body = BODY | {"title": f"Bench {next(calls)}", "markdown": f"{BODY['markdown']} Take {next(calls)}."}
                answer = session.post(f"{base}/v1/videos", json=body, headers=auth, timeout=30)
                if answer.status_code == 202:
                    submitted.append(answer.json()["id"])
                return answer.status_code

            # The first submit loads jieba's dictionary and the font tables once per process: not what is measured.
            submit(requests.Session())
            submitted.clear()
            submits = _load(submit)
            some = submitted[: max(1, len(submitted) // 10)]
            reads = _load(lambda s: s.get(f"{base}/v1/videos/{some[hash(s) % len(some)]}", headers=auth).status_code)
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
            get_engine(url).dispose()
            drop_database(server, name)
    return {
        "clients": CLIENTS,
        "api_workers": WORKERS,
        "seconds_per_route": SECONDS,
        "noop": noop,
        "submit": submits,
        "status_read": reads,
        "submit_p99_over_noop_p99": round(submits["p99_ms"] / noop["p99_ms"], 2) if noop["p99_ms"] > 0 else None,
    }
