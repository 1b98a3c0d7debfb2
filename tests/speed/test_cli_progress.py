"""`video-assets demo` and `retry` through the real CLI process: progress lines per stage and per variant, a summary,
and Dagster's event log in a file unless -v is given."""

import json
import os
from pathlib import Path

from tests.media_samples import clip, photo
from tests.operations.cli_process import run_cli
from tests.speed.samples import ARTICLE

STAGE_LINES = ("media_items", "media_analyses", "video_scripts", "rendered_videos", "render v0")


def test_demo_shows_progress_per_stage_and_variant_and_keeps_dagster_events_in_the_log_unless_verbose(
    tmp_path: Path,
) -> None:
    root = tmp_path / "materials"
    materials = [photo("astronaut", root / "astronaut.jpg"), clip(root / "clip.mp4", seconds=3)]
    request = {
        "title": "实验室的一天",
        "markdown": ARTICLE,
        "materials": [{"uri": str(path)} for path in materials],
        "video_count": 1,
        "aspect": "1:1",
        "target_duration": 20,
    }
    (tmp_path / "request.json").write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    home = tmp_path / "home"
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIDEO_ASSETS_")}
    env |= {
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_LOCAL_ROOTS": str(root),
        "VIDEO_ASSETS_RENDER_PRESET": "ultrafast",
        "DAGSTER_HOME": "",
    }

    quiet = run_cli(env, "demo", str(tmp_path / "request.json"))
    assert quiet.returncode == 0, quiet.stderr
    lines = quiet.stdout.splitlines()
    for stage in STAGE_LINES:
        assert any(line.strip().startswith(stage.strip()) and "100%" in line for line in lines), (stage, lines)
    assert any("request req_" in line and "completed" in line for line in lines), lines
    assert "DEBUG" not in quiet.stdout and "DEBUG" not in quiet.stderr
    [log] = (home / "logs").glob("demo-*.log")
    assert "DEBUG" in log.read_text(encoding="utf-8") and "STEP_START" in log.read_text(encoding="utf-8")

    request_id = next(word for word in quiet.stderr.split() if word.startswith("req_"))
    verbose = run_cli(env, "retry", request_id, "-v")
    assert verbose.returncode == 0, verbose.stderr
    assert "DEBUG" in verbose.stderr and "STEP_START" in verbose.stderr
    # Every stage of a completed request has a materialization: retry runs the last one again, the export.
    last = "editable_exports"
    assert any(line.strip().startswith(last) and "100%" in line for line in verbose.stdout.splitlines()), verbose.stdout
    assert "DEBUG" not in verbose.stdout
