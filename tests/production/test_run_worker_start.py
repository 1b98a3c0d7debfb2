"""What a run worker pays before its first step: the code location's import, and the forkserver started beside it."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STEP_ONLY_LIBRARIES = ("jieba", "pypinyin", "openai", "pyJianYingDraft")

# A process named as Dagster's code server names a run worker (multiprocessing's spawn start method), importing the
# code location as the run worker does; it reports which step-only libraries it loaded and whether a forkserver runs.
RUN_WORKER = """
import json, multiprocessing, multiprocessing.forkserver, sys

def run_worker(libraries, answer):
    import video_assets.definitions
    server = multiprocessing.forkserver._forkserver
    answer.put(([name for name in libraries if name in sys.modules], server._forkserver_pid is not None))

if __name__ == "__main__":
    spawn = multiprocessing.get_context("spawn")
    answer = spawn.Queue()
    worker = spawn.Process(target=run_worker, args=(sys.argv[1:], answer))
    worker.start()
    print(json.dumps(answer.get(timeout=120)))
    worker.join()
"""


def test_the_run_worker_imports_no_step_only_library_and_starts_its_forkserver_while_loading(tmp_path: Path) -> None:
    script = tmp_path / "run_worker.py"
    script.write_text(RUN_WORKER)
    result = subprocess.run(
        [sys.executable, str(script), *STEP_ONLY_LIBRARIES],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    loaded, forkserver_running = json.loads(result.stdout)
    assert loaded == [], "the code location imports what only steps use; the forkserver preloads it (warm_up.py)"
    assert forkserver_running


def test_the_forkserver_preload_holds_what_steps_use() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, executors.warm_up; print(sorted(set(sys.argv[1:]) & set(sys.modules)))",
            *STEP_ONLY_LIBRARIES,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert result.stdout.strip() == str(sorted(["jieba", "pypinyin"]))
