"""What `video-assets run`, `retry` and `demo` show while a request runs: one rich progress line per stage and per
rendered variant (the variant's percentage comes from ffmpeg's `-progress`, as the render step logs it), then a
summary table. It reads the run's Dagster events as the in-process run stores them."""

from __future__ import annotations

import re
import time
from types import TracebackType

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

STAGES = ("media_items", "media_analyses", "video_scripts", "rendered_videos")
VARIANT_STEP = re.compile(r"\.render_one\[v(\d+)\]$")
VARIANT_PROGRESS = re.compile(r"video_index=(\d+) progress=(\d+)%")
VARIANT_STATUS = re.compile(r"video_index=(\d+) status=(\w+)")
LAST_RENDER_STEP = "rendered_videos.collect_renders"


class RunProgress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[state]}"),
            console=console,
            # Dagster's event log goes to stderr (the run log file, or the terminal with -v); it is not ours to move.
            redirect_stderr=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.states: dict[str, str] = {}

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.progress.stop()

    def on_event(self, entry: dg.EventLogEntry) -> None:
        """An instance event listener: called for every event the run stores, in the run's own thread."""
        step = entry.step_key
        if not step:
            return
        event = entry.dagster_event
        if event is None:
            self._on_log(entry.user_message)
        elif event.event_type == dg.DagsterEventType.STEP_START:
            self._begin(_line(step))
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            if VARIANT_STEP.search(step):
                self._end(_line(step), self.states.get(_line(step), "ready"))
            elif step == LAST_RENDER_STEP or "." not in step:
                self._end(_line(step), "done")
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            self._end(_line(step), "failed")
            if step.startswith("rendered_videos."):
                self._end("rendered_videos", "failed")

    def _on_log(self, message: str) -> None:
        if match := VARIANT_PROGRESS.search(message):
            line = f"  render v{match[1]}"
            self._begin(line)
            self.progress.update(self.tasks[line], completed=int(match[2]))
            self._update_render_stage()
        elif match := VARIANT_STATUS.search(message):
            self.states[f"  render v{match[1]}"] = match[2]

    def _begin(self, line: str) -> None:
        if line in self.tasks:
            return
        self.tasks[line] = self.progress.add_task(line, total=100, state="running")
        self.started[line] = time.perf_counter()

    def _end(self, line: str, state: str) -> None:
        self._begin(line)
        if line not in self.seconds:
            self.seconds[line] = time.perf_counter() - self.started[line]
        self.states[line] = state
        done = state in ("done", "ready")
        self.progress.update(self.tasks[line], completed=100 if done else None, state=state)
        if line.startswith("  render"):
            self._update_render_stage()

    def _update_render_stage(self) -> None:
        variants = [self.progress.tasks[task] for line, task in self.tasks.items() if line.startswith("  render")]
        if "rendered_videos" in self.tasks and variants and "rendered_videos" not in self.seconds:
            share = sum(task.completed for task in variants) / len(variants)
            self.progress.update(self.tasks["rendered_videos"], completed=min(share, 99))

    def print_summary(self, report: dict) -> None:
        table = Table(title=f"request {report['id']}: {report['status']}")
        for column in ("step", "state", "seconds"):
            table.add_column(column)
        for line in self.tasks:
            seconds = self.seconds.get(line)
            table.add_row(line, self.states.get(line, "-"), f"{seconds:.1f}" if seconds is not None else "-")
        self.console.print(table)


def _line(step: str) -> str:
    if match := VARIANT_STEP.search(step):
        return f"  render v{match[1]}"
    stage = step.split(".")[0]
    return stage if stage in STAGES else step
