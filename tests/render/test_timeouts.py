"""Real ffmpeg/ffprobe processes that hang: each is killed near its deadline, reaped, and reported by name.

Two real ways to hang: `-re` makes ffmpeg read a 600 s lavfi source in real time (busy, writing progress), and
opening a named FIFO that nobody writes blocks in open() (silent, writing nothing at all).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from video_assets.render.errors import RenderError
from video_assets.render.ffmpeg_run import probe, run_ffmpeg
from video_assets.render.loudness import measure_integrated_loudness
from video_assets.transient import is_transient
from video_assets.tts.base import TtsError, probe_audio_duration
from video_assets.vision.frames import FrameReadError, probe_duration

BUDGET_S = 2.0
# Killing and reaping takes milliseconds; the slack is for a loaded machine, the bound is that the deadline holds.
KILL_SLACK_S = 4.0
REALTIME_AUDIO = ["-re", "-f", "lavfi", "-i", "sine=frequency=440:duration=600"]


def realtime_video(seconds: float) -> list[str]:
    return ["-re", "-f", "lavfi", "-i", f"testsrc=duration={seconds:g}:size=64x64:rate=10"]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "nobody-writes.mp4"
    os.mkfifo(path)
    return path


def stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (state, ppid, ...), or None once the pid is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and ')'; the fields after the last ')' are plain.
    return stat.rsplit(")", 1)[1].split()


def descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        fields = stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None:
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@contextmanager
def spawned_processes() -> Iterator[set[int]]:
    """Every process started below this one while the block runs (servers started earlier are left out)."""
    before = descendants(os.getpid())
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.update(descendants(os.getpid()) - before)
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        stop.set()
        watcher.join()


def still_running(pids: set[int], grace_s: float = 1.0) -> list[int]:
    """Pids neither gone nor zombies after `grace_s`: SIGKILL lands when a process next runs, and an orphaned
    grandchild is reaped by init, not by us."""
    until = time.monotonic() + grace_s
    while True:
        running = [pid for pid in pids if (fields := stat_fields(pid)) is not None and fields[0] != "Z"]
        if not running or time.monotonic() > until:
            return running
        time.sleep(0.05)


def assert_killed_at_deadline(call: Callable[[], object], error: type[Exception], message: str) -> set[int]:
    """The call raises `error` with `message` within the deadline's bound, and nothing it started is left."""
    with spawned_processes() as spawned:
        started = time.monotonic()
        with pytest.raises(error, match=re.escape(message)) as raised:
            call()
        elapsed = time.monotonic() - started
    assert BUDGET_S <= elapsed < BUDGET_S + KILL_SLACK_S
    assert not is_transient(raised.value)
    assert spawned, "no process was seen, so nothing was proven"
    # Our own children are reaped, not left as zombies; nothing further down is still running.
    assert descendants(os.getpid()) & spawned == set()
    assert still_running(spawned) == []
    return spawned


def test_a_busy_main_pass_is_killed_at_its_deadline_with_the_planned_duration_in_the_error(tmp_path: Path) -> None:
    output = str(tmp_path / "out.nut")
    command = ["ffmpeg", "-nostdin", "-v", "error", *realtime_video(600), "-progress", "pipe:1", output]
    fractions: list[float] = []
    assert_killed_at_deadline(
        lambda: run_ffmpeg(command, 600.0, tmp_path / "stderr.log", fractions.append, timeout=BUDGET_S),
        RenderError,
        "ffmpeg main pass timed out after 2 s (planned 600.0 s of output)",
    )
    assert fractions, "ffmpeg was writing progress when it was killed"


def test_a_main_pass_that_writes_nothing_is_still_killed_at_its_deadline(tmp_path: Path, fifo: Path) -> None:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(fifo), "-progress", "pipe:1", "-f", "null", "-"]
    assert_killed_at_deadline(
        lambda: run_ffmpeg(command, 12.5, tmp_path / "stderr.log", None, timeout=BUDGET_S),
        RenderError,
        "ffmpeg main pass timed out after 2 s (planned 12.5 s of output)",
    )


def test_the_whole_process_group_is_killed_not_just_the_process_we_started(tmp_path: Path) -> None:
    # `; exit $?` keeps the shell from exec-ing ffmpeg, so ffmpeg is a grandchild holding our stdout pipe. Were only
    # the shell killed, the read would last until ffmpeg ends, so the source is kept short enough to fail, not hang.
    grandchild = ["ffmpeg", "-nostdin", "-v", "error", *realtime_video(15), "-progress", "pipe:1", "-f", "null", "-"]
    ffmpeg = " ".join(grandchild)
    spawned = assert_killed_at_deadline(
        lambda: run_ffmpeg(["sh", "-c", f"{ffmpeg}; exit $?"], 600.0, tmp_path / "stderr.log", None, BUDGET_S),
        RenderError,
        "ffmpeg main pass timed out after 2 s",
    )
    assert len(spawned) >= 2


def test_a_slow_loudness_measurement_is_killed_at_its_deadline() -> None:
    command = ["ffmpeg", "-hide_banner", "-nostats", *REALTIME_AUDIO, "-af", "ebur128", "-f", "null", "-"]
    assert_killed_at_deadline(
        lambda: measure_integrated_loudness(command, planned_seconds=600.0, timeout=BUDGET_S),
        RenderError,
        "loudness measurement timed out after 2 s (planned 600.0 s of soundtrack)",
    )


def test_a_render_probe_of_an_input_that_never_arrives_is_killed(fifo: Path) -> None:
    assert_killed_at_deadline(
        lambda: probe(fifo, timeout=BUDGET_S), RenderError, "ffprobe of nobody-writes.mp4 timed out after 2 s"
    )


def test_a_tts_audio_probe_of_an_input_that_never_arrives_is_killed(fifo: Path) -> None:
    assert_killed_at_deadline(
        lambda: probe_audio_duration(fifo, timeout=BUDGET_S),
        TtsError,
        "ffprobe of TTS audio nobody-writes.mp4 timed out after 2 s",
    )


def test_a_vision_probe_of_an_input_that_never_arrives_is_killed(fifo: Path) -> None:
    assert_killed_at_deadline(
        lambda: probe_duration(fifo, timeout=BUDGET_S),
        FrameReadError,
        "nobody-writes.mp4: ffprobe timed out after 2 s",
    )
