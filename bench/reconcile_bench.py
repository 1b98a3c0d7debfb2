"""Reconcile pass under load: 1,000 open external merge jobs on Postgres against the Easegen stand-in (real HTTP on
localhost), then the import of one finished 60 s 1080x1920 video (guarded fetch, ffprobe, checks, store)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from tests.harness.postgres import create_database, drop_database, postgres_server  # noqa: E402
from tests.merge.fake_easegen import FakeEasegen, done, never_finishes  # noqa: E402
from video_assets.db.engine import get_engine, session_scope  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.db.models import MergeJob, RenderedVideo, VideoRequest, utcnow  # noqa: E402
from video_assets.media import FetchPolicy  # noqa: E402
from video_assets.merge import EasegenBackend, MergeScene, MergeSubmission  # noqa: E402
from video_assets.request_schema import VideoRequestSpec  # noqa: E402
from video_assets.stages.merging import MergeContext, reconcile_pass  # noqa: E402
from video_assets.storage import LocalObjectStore  # noqa: E402

JOBS = 1000
VIDEO_SECONDS = 60
SUBMISSION = MergeSubmission(
    name="bench",
    aspect="9:16",
    width=1080,
    height=1920,
    subtitles_style={},
    scenes=[MergeScene(order_no=1, background_url="http://127.0.0.1/x.jpg", narration="x")],
)


def seed(url: str, backend: EasegenBackend) -> None:
    spec = VideoRequestSpec(title="bench", markdown="# bench\n\ntext").model_dump(mode="json")
    now = utcnow()
    with session_scope(url) as session:
        session.add(VideoRequest(id="req_bench", title="bench", spec=spec, status="processing", stage="merging"))
        session.flush()
        session.execute(
            insert(MergeJob),
            [
                {
                    "request_id": "req_bench",
                    "variant_index": index,
                    "external_job_id": backend.submit(SUBMISSION),
                    "state": "pending",
                    "deadline": now + timedelta(hours=1),
                    "submitted_at": now,
                    "backend": "easegen",
                    "progress": 0.0,
                    "poll_failures": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for index in range(JOBS)
            ],
        )
        session.execute(
            insert(RenderedVideo),
            [
                {"request_id": "req_bench", "variant_index": index, "status": "merging", "backend": "easegen"}
                | {"planned_duration": float(VIDEO_SECONDS), "created_at": now, "updated_at": now}
                for index in range(JOBS)
            ],
        )


def vendor_video(path: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=30", "-f", "lavfi"]
        + ["-i", "sine=frequency=440", "-t", str(VIDEO_SECONDS), "-c:v", "libx264", "-preset", "veryfast"]
        + ["-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)],
        check=True,
    )
    return path


def run() -> dict[str, float]:
    with postgres_server() as server, tempfile.TemporaryDirectory() as folder, FakeEasegen() as easegen:
        name = f"va_bench_{uuid.uuid4().hex[:8]}"
        url = create_database(server, name)
        try:
            upgrade(url)
            root = Path(folder)
            backend = EasegenBackend(easegen.base_url, easegen.api_key)
            easegen.script(done(polls=2, thumbnail=None), *[never_finishes()] * (JOBS - 1))
            seed(url, backend)
            easegen.serve_file("video.mp4", vendor_video(root / "vendor.mp4"))
            context = MergeContext(url, LocalObjectStore(root / "objects"), backend, 1800, root / "work")
            policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}))
            started = time.perf_counter()
            polling = reconcile_pass(context, policy, limit=JOBS)
            poll_seconds = time.perf_counter() - started
            calls = len(easegen.status_calls)
            started = time.perf_counter()
            importing = reconcile_pass(context, policy, limit=JOBS)
            import_pass_seconds = time.perf_counter() - started
            imported_bytes = sum(path.stat().st_size for path in (root / "objects").rglob("video.mp4"))
        finally:
            get_engine(url).dispose()
            drop_database(server, name)
    return {
        "open_jobs": JOBS,
        "status_calls_per_pass": calls,
        "poll_pass_s": round(poll_seconds, 3),
        "poll_ms_per_job": round(poll_seconds / JOBS * 1000, 3),
        "still_running_after_first_pass": polling.still_running,
        "second_pass_with_one_import_s": round(import_pass_seconds, 3),
        "import_s_estimate": round(import_pass_seconds - poll_seconds, 3),
        "imported": len(importing.imported),
        "imported_video_s": VIDEO_SECONDS,
        "imported_video_mb": round(imported_bytes / 1e6, 1),
    }


if __name__ == "__main__":
    print(run())
