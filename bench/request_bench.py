"""End-to-end benchmark: the demo request from submit through the request sensor, the run and every asset, in one
process as `video-assets demo` runs it, against the encode floor of its own output measured in the same run.

Run: python bench/request_bench.py   (prints one JSON line)
The request runs in a child process on a fresh VIDEO_ASSETS_HOME, so the embedded defaults start empty and the
Dagster event log stays out of the benchmark's output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from render_bench import reencode, x264_seconds  # noqa: E402

REQUEST = ROOT / "examples" / "request.json"
MEDIA = ROOT / "examples" / "media"
# About one demo video's length: x264's cost per second is flat in length, so one such floor prices the whole output.
FLOOR_SECONDS = 45.0


def child_request() -> dict:
    """Submit, tick the sensor, run: each part timed, each step's wall time read back from the run's event log."""
    import dagster as dg
    from sqlalchemy import select

    from sensors.launch import execute_request, local_instance, sensor_tick
    from video_assets.cli import ensure_schema, submit_file
    from video_assets.db.engine import session_scope
    from video_assets.db.models import RenderedVideo
    from video_assets.db.repository import get_request
    from video_assets.definitions import defs
    from video_assets.settings import Settings

    settings = Settings()
    url = settings.database_url.get_secret_value()
    ensure_schema(settings)
    started = time.perf_counter()
    request_id, _ = submit_file(REQUEST, settings)
    submitted = time.perf_counter()
    with local_instance(settings) as instance:
        assert sensor_tick(instance, defs, settings.sensor_batch_size) == [request_id]
        ticked = time.perf_counter()
        succeeded = execute_request(instance, defs, request_id)
        finished = time.perf_counter()
        [run] = instance.get_run_records(dg.RunsFilter(tags={"request_id": request_id}))
        steps = _step_seconds(instance, run.dagster_run.run_id)
    with session_scope(url) as session:
        status = get_request(session, request_id).status
        videos = list(session.scalars(select(RenderedVideo).where(RenderedVideo.request_id == request_id)))
        rendered = [
            {
                "variant": v.variant_index,
                "duration": v.duration or 0.0,
                "stage_seconds": v.stage_seconds or {},
                "video_key": v.video_key,
            }
            for v in videos
        ]
    return {
        "status": status,
        "run_succeeded": succeeded,
        "submit_s": submitted - started,
        "sensor_tick_s": ticked - submitted,
        "run_s": finished - ticked,
        "request_s": finished - started,
        "steps": steps,
        "videos": rendered,
    }


def _canvas() -> tuple[int, int]:
    from video_assets.request_schema import VideoRequestSpec

    return VideoRequestSpec.model_validate(json.loads(REQUEST.read_text(encoding="utf-8"))).canvas_size


def _step_seconds(instance: object, run_id: str) -> dict[str, float]:
    import dagster as dg

    began: dict[str, float] = {}
    seconds: dict[str, float] = {}
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    for entry in instance.all_logs(run_id, of_type=kinds):  # type: ignore[attr-defined]
        if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            began[entry.step_key] = entry.timestamp
        elif entry.step_key in began:
            seconds[entry.step_key] = round(entry.timestamp - began[entry.step_key], 2)
    return seconds


def run_child(home: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIDEO_ASSETS_", "DAGSTER_"))}
    env |= {"VIDEO_ASSETS_HOME": str(home), "VIDEO_ASSETS_LOCAL_ROOTS": str(MEDIA)}
    home.mkdir(parents=True, exist_ok=True)
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(home)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if output.returncode != 0:
        raise SystemExit(f"request bench failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def floor_per_second(canvas: tuple[int, int], seconds: float, folder: Path) -> float:
    """The render_bench floor: x264 encoding testsrc2 at the output's size and preset, per second of output."""
    source = ["-f", "lavfi", "-i", f"testsrc2=size={canvas[0]}x{canvas[1]}:rate=30", "-t", f"{seconds:.2f}"]
    return x264_seconds(source, folder / "floor.mp4") / seconds


def run() -> dict:
    """The floor is measured just before and just after the request, and their mean used, so a change in the shared
    machine's load during the request hits the floor as well."""
    subprocess.run([sys.executable, str(ROOT / "examples" / "prepare_media.py")], check=True, capture_output=True)
    canvas = _canvas()
    with tempfile.TemporaryDirectory(prefix="request-bench-") as temp:
        before = floor_per_second(canvas, FLOOR_SECONDS, Path(temp))
        measured = run_child(Path(temp) / "home")
        after = floor_per_second(canvas, FLOOR_SECONDS, Path(temp))
        first = measured["videos"][0]
        # testsrc2 is cheap to encode; re-encoding the request's own first video prices its real content.
        first_reencode_s = reencode(Path(temp) / "home" / "objects" / first["video_key"])
    output_seconds = sum(video["duration"] for video in measured["videos"])
    figures = summarize(measured, (before + after) / 2, output_seconds)
    return figures | {
        "floor_s_per_output_s_before_after": [round(before, 4), round(after, 4)],
        "first_video_ffmpeg_pass_vs_reencode_of_itself": round(first["stage_seconds"]["ffmpeg"] / first_reencode_s, 3),
        "first_video_reencode_vs_floor": round(first_reencode_s / ((before + after) / 2 * first["duration"]), 3),
    }


def summarize(measured: dict, floor: float, output_seconds: float) -> dict:
    steps = measured["steps"]
    by_stage: dict[str, float] = defaultdict(float)
    for step, seconds in steps.items():
        by_stage[step.split(".")[0]] += seconds
    render_steps = {step: seconds for step, seconds in steps.items() if ".render_one[" in step}
    render_s = sum(render_steps.values())
    inner: dict[str, float] = defaultdict(float)
    for video in measured["videos"]:
        for stage, seconds in video["stage_seconds"].items():
            inner[stage] += seconds
    checks_s = inner["verify"] + steps.get("rendered_videos.collect_renders", 0.0)
    request_s = measured["request_s"]
    return {
        "status": measured["status"],
        "videos": len(measured["videos"]),
        "output_seconds": round(output_seconds, 2),
        "request_wall_s": round(request_s, 2),
        "submit_s": round(measured["submit_s"], 2),
        "sensor_tick_s": round(measured["sensor_tick_s"], 2),
        "asset_wall_s": {stage: round(seconds, 2) for stage, seconds in by_stage.items()},
        "step_wall_s": steps,
        "render_stage_s": {stage: round(seconds, 2) for stage, seconds in inner.items()},
        "floor_s_per_output_s": round(floor, 4),
        "request_vs_floor": round(request_s / (floor * output_seconds), 3),
        "render_one_vs_floor": round(render_s / (floor * output_seconds), 3),
        "checks_pct_of_render": round(100 * checks_s / render_s, 2),
        # ffmpeg here is the main render pass; TTS is espeak-ng. Everything else is orchestration, database,
        # store, ingestion, analysis, stills and checks.
        "outside_ffmpeg_and_tts_pct": round(100 * (1 - (inner["ffmpeg"] + inner["tts"]) / request_s), 1),
        "targets": {"render_one_vs_floor": 1.3, "checks_pct_of_render": 3.0, "request_vs_floor": 1.4},
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        with open(Path(sys.argv[2]).parent / "dagster-events.log", "w", encoding="utf-8") as events:
            sys.stderr = events
            print(json.dumps(child_request()), file=sys.__stdout__)
    else:
        print(json.dumps(run()))
