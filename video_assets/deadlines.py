"""Subprocesses with a deadline that holds whatever the process does, raised as the caller's own error type.

A watchdog timer, not a read timeout, enforces the deadline: a process can hang without writing anything, and a
blocking read of its pipe would then wait forever. Each process starts in its own session and the whole group is
killed, so nothing it spawned survives to keep the pipes open or the CPU busy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from video_assets.tracing import subprocess_span

PROBE_TIMEOUT_S = 60.0
MIN_PASS_TIMEOUT_S = 120.0
# The encoder runs at about 2.9x realtime at 1080x1920 on a 2-core box, so 20 s per media second is far from tight;
# decoding and audio-only passes are faster still.
PASS_SECONDS_PER_MEDIA_SECOND = 20.0


class SubprocessTimedOut(RuntimeError):
    """The cause behind the domain error raised at a deadline. Permanent on purpose: a local tool that outlives a
    budget of many times its normal run is stuck on its input, and retrying would only hang again."""

    transient = False


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: bytes
    stderr: str


def pass_budget(media_seconds: float) -> float:
    """Seconds allowed for an ffmpeg pass that writes or reads `media_seconds` of media."""
    return max(MIN_PASS_TIMEOUT_S, PASS_SECONDS_PER_MEDIA_SECOND * media_seconds)


def start(command: list[str], **popen: Any) -> subprocess.Popen[Any]:
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True, **popen)


@contextmanager
def deadline(
    process: subprocess.Popen[Any], what: str, timeout: float, error: Callable[[str], Exception], detail: str = ""
) -> Iterator[None]:
    """Kill `process` at the deadline; on leaving, it is always reaped (killed first if the body raised while it
    ran), and if the deadline killed it, `error` is raised with a message naming the timeout."""
    expired = threading.Event()

    def expire() -> None:
        if process.poll() is None:
            expired.set()
            _kill_group(process)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()  # an expiry already under way finishes before `expired` is read
        if process.poll() is None:
            _kill_group(process)
        process.wait()
    if expired.is_set():
        message = f"{what} timed out after {timeout:g} s" + (f" ({detail})" if detail else "")
        raise error(message) from SubprocessTimedOut(message)


def run_with_deadline(
    command: list[str], what: str, timeout: float, error: Callable[[str], Exception], detail: str = ""
) -> Finished:
    """Run to completion capturing stdout (bytes) and stderr (text); a FileNotFoundError for a missing binary
    propagates unchanged."""
    with (
        subprocess_span(command, what) as span,
        start(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process,
        deadline(process, what, timeout, error, detail),
    ):
        stdout, stderr = process.communicate()
        span.set_attribute("process.exit_code", process.returncode)
    return Finished(process.returncode, stdout, stderr.decode("utf-8", errors="replace"))


def _kill_group(process: subprocess.Popen[Any]) -> None:
    # The group id is the leader's pid, which cannot be reused while the leader is unreaped.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
