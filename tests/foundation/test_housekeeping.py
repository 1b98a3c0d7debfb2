import os
import time
from pathlib import Path

import dagster as dg
import pytest

from schedules.housekeeping import expire_temp_files_schedule, housekeeping_job
from video_assets.housekeeping import expire_stale_entries


def test_only_entries_older_than_the_cutoff_are_removed(tmp_path: Path) -> None:
    old_dir, fresh_dir, old_file = tmp_path / "req-old", tmp_path / "req-fresh", tmp_path / "stray.part"
    old_dir.mkdir()
    (old_dir / "video.mp4").write_bytes(b"x")
    fresh_dir.mkdir()
    old_file.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    for path in (old_dir, old_file):
        os.utime(path, (two_days_ago, two_days_ago))
    removed = expire_stale_entries(tmp_path, 86400)
    assert sorted(removed) == sorted([old_dir, old_file])
    assert fresh_dir.exists() and not old_dir.exists()


def test_housekeeping_schedule_runs_the_job_on_the_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_HOME", str(tmp_path))
    stale = tmp_path / "tmp" / "req-crashed-render"
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))
    request = expire_temp_files_schedule.evaluate_tick(dg.build_schedule_context()).run_requests[0]
    assert request.job_name is None or request.job_name == housekeeping_job.name
    assert housekeeping_job.execute_in_process().success
    assert not stale.exists()
