"""The `video-assets` CLI as an operator runs it: a real subprocess with its settings in the environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

CLI = shutil.which("video-assets", path=str(Path(sys.executable).parent)) or "video-assets"


def cli_env(home: Path, database_url: str, s3_endpoint: str, bucket: str, local_roots: list[Path]) -> dict[str, str]:
    return {
        **os.environ,
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_DATABASE_URL": database_url,
        "VIDEO_ASSETS_STORAGE": "s3",
        "VIDEO_ASSETS_S3_ENDPOINT_URL": s3_endpoint,
        "VIDEO_ASSETS_S3_BUCKET": bucket,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "VIDEO_ASSETS_LOCAL_ROOTS": ":".join(str(root) for root in local_roots),
        "VIDEO_ASSETS_RENDER_PRESET": "ultrafast",
        "DAGSTER_HOME": "",
    }


def run_cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def start_cli(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    """In its own session, so the test can kill it together with its ffmpeg children."""
    with log.open("wb") as output:
        return subprocess.Popen([CLI, *args], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def submit_file(env: dict[str, str], request: dict, folder: Path) -> str:
    path = folder / "request.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    result = run_cli(env, "submit", str(path))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)
