"""Run ffmpeg with `-progress pipe:1`, report a 0..1 fraction, and turn failures into RenderError."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from video_assets.deadlines import PROBE_TIMEOUT_S, deadline, pass_budget, run_with_deadline, start
from video_assets.render.errors import RenderError
from video_assets.tracing import subprocess_span

STDERR_TAIL_CHARS = 2000


def parse_progress_line(line: str, total_seconds: float) -> float | None:
    """Fraction done from one `key=value` line of ffmpeg's -progress output, or None if the line has no time."""
    key, _, value = line.strip().partition("=")
    if key == "progress" and value == "end":
        return 1.0
    if key != "out_time_us" or not value.lstrip("-").isdigit() or total_seconds <= 0:
        return None
    return min(max(int(value) / 1_000_000 / total_seconds, 0.0), 1.0)


def run_ffmpeg(
    command: list[str],
    total_seconds: float,
    stderr_path: Path,
    on_progress: Callable[[float], None] | None,
    timeout: float | None = None,
) -> None:
    """`timeout` defaults to a budget scaled from `total_seconds`, the planned output duration."""
    budget = pass_budget(total_seconds) if timeout is None else timeout
    # stderr goes to a file: a full stderr pipe nobody reads would block ffmpeg while we read stdout.
    with (
        subprocess_span(command, "ffmpeg main pass") as span,
        stderr_path.open("w", encoding="utf-8", errors="replace") as stderr,
    ):
        try:
            process = start(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
        except FileNotFoundError as exc:
            raise RenderError("ffmpeg is not installed") from exc
        planned = f"planned {total_seconds:.1f} s of output"
        with process, deadline(process, "ffmpeg main pass", budget, RenderError, planned):
            assert process.stdout is not None
            # This loop blocks while ffmpeg writes nothing; the deadline's watchdog ends it by killing ffmpeg.
            last = -1.0
            for line in process.stdout:
                fraction = parse_progress_line(line, total_seconds)
                if fraction is not None and on_progress is not None and fraction > last:
                    last = fraction
                    on_progress(fraction)
            code = process.wait()
        span.set_attribute("process.exit_code", code)
    if code != 0:
        tail = stderr_path.read_text(encoding="utf-8", errors="replace")[-STDERR_TAIL_CHARS:].strip()
        raise RenderError(f"ffmpeg exited with code {code}: {tail or 'no error output'}")


def probe(path: Path, timeout: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    result = run_with_deadline(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        f"ffprobe of {path.name}",
        timeout,
        RenderError,
    )
    if result.returncode != 0:
        raise RenderError(f"ffprobe cannot read {path.name}: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout)


def extract_frame(source: Path, at_seconds: float, out_path: Path, timeout: float = PROBE_TIMEOUT_S) -> Path:
    """One frame as PNG; the ffmpeg CLI applies rotation side data, so the frame is upright."""
    result = run_with_deadline(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-ss",
            f"{at_seconds:.3f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-update",
            "1",
            str(out_path),
        ],
        f"extracting a frame from {source.name}",
        timeout,
        RenderError,
    )
    if result.returncode != 0 or not out_path.exists():
        raise RenderError(f"cannot extract a frame from {source.name}: {result.stderr.strip()[-500:]}")
    return out_path
