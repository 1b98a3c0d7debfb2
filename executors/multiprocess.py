"""`VIDEO_ASSETS_EXECUTOR=multiprocess` (the default): Dagster's multiprocess executor, each step in a process of
its own, started by a forkserver that imported the code location once per run.

Dagster's default start method, `spawn`, starts a fresh interpreter per step that imports the code location again
(about 5 s of CPU on this stack: dagster, OpenCV, the OpenAI SDK, jieba...) before the step runs a line; on a busy
2-core machine that was 30 s for a step doing nothing. A forkserver pays that import once per run, then forks each
step from it. Every step still has its own process, so a step that dies (SIGKILL, a crash in a native library)
fails only itself: the run worker sees the process gone and fails or retries that step as before, and a cancelled
run's worker signals each step process as before. `fork` straight from the run worker is not offered by Dagster (the
run worker has threads). VIDEO_ASSETS_STEP_START_METHOD=spawn brings Dagster's default back."""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

import dagster as dg

from video_assets.settings import StepStartMethod

# The module the code location loads (workspace.yaml, `dagster code-server start -m`), then what its steps load on
# first use: once imported by the forkserver, a step process finds the job and every library it uses in memory.
PRELOADED_MODULES = ["video_assets.definitions", "executors.warm_up"]


def multiprocess_executor(start_method: StepStartMethod) -> dg.ExecutorDefinition:
    if start_method == "spawn":
        config: dict[str, object] = {"spawn": {}}
    else:
        config = {"forkserver": {"preload_modules": PRELOADED_MODULES}}
        if is_run_worker():
            start_forkserver()
    return dg.multiprocess_executor.configured({"start_method": config}, name="multiprocess")


def is_run_worker() -> bool:
    """Dagster's code server starts each run's worker with multiprocessing's `spawn` (dagster/_grpc/server.py); every
    other process that imports the code location (the code server, the forkserver, a step, the CLI) has another name."""
    return multiprocessing.current_process().name.startswith("SpawnProcess")


def start_forkserver() -> None:
    """Starts the run's forkserver while the run worker is still loading the code location, instead of at its first
    step: the forkserver's preload (a second import of everything, about 4 s on a quiet machine) then runs beside the
    run worker's own start-up. The executor finds it running and forks every step from it as before. Returns at once:
    the forkserver accepts its first step once its preload is done."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOADED_MODULES)
    multiprocessing.forkserver.ensure_running()
