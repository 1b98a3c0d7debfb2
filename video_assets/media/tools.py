"""Running ffmpeg/ffprobe as subprocesses with a timeout and a readable error."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from video_assets.media.errors import MaterialRejected
from video_assets.tracing import subprocess_span

# Only plain files may be opened: a crafted playlist or reference file must not make ffmpeg fetch URLs (SSRF).
INPUT_GUARD = ("-protocol_whitelist", "file")
_POINTER = re.compile(r" @ 0x[0-9a-f]+")


def file_arg(path: Path) -> str:
    """An absolute `file:` URL, so a name such as `http:x` or `-y` is never read as a protocol or an option."""
    return f"file:{path.resolve()}"


def run_tool(cmd: list[str], what: str, timeout: float) -> subprocess.CompletedProcess[str]:
    with subprocess_span(cmd, what) as span:
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise MaterialRejected(f"{what} took longer than {timeout:g} s") from error
        span.set_attribute("process.exit_code", result.returncode)
    if result.returncode != 0:
        raise MaterialRejected(f"{what} failed: {_last_lines(result.stderr)}")
    return result


def _last_lines(stderr: str, count: int = 3) -> str:
    # Drops ffmpeg's "[demuxer @ 0x55...]" pointers, which only make identical errors look different.
    lines = [_POINTER.sub("", line).strip() for line in stderr.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "no error output"
