"""The multiprocess executor as the code location configures it (executors/multiprocess.py), on a real run: each step
in a process of its own, forked from the run's forkserver, and a step process killed with SIGKILL fails that step
alone while its sibling finishes."""

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from executors.multiprocess import multiprocess_executor


class Reports(dg.Config):
    """Where each step writes its pid and its parent's command line. Run config, not the environment: the pytest
    process keeps one forkserver for every run it executes, with the environment of the first."""

    folder: str


def report(config: Reports, name: str) -> None:
    parent = Path(f"/proc/{os.getppid()}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    (Path(config.folder) / name).write_text(f"{os.getpid()}\n{parent}")


@dg.op
def killed(config: Reports) -> None:
    report(config, "killed")
    os.kill(os.getpid(), signal.SIGKILL)


@dg.op
def survivor(config: Reports) -> None:
    report(config, "survivor")


@dg.op
def first(config: Reports) -> int:
    report(config, "first")
    return 1


@dg.op
def second(config: Reports, value: int) -> int:
    report(config, "second")
    return value + 1


@dg.job(executor_def=multiprocess_executor("forkserver"))
def one_step_killed() -> None:
    killed()
    survivor()


@dg.job(executor_def=multiprocess_executor("forkserver"))
def two_steps() -> None:
    second(first())


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def run_config(job: dg.JobDefinition, folder: Path) -> dict[str, object]:
    return {"ops": {name: {"config": {"folder": str(folder)}} for name in job.graph.node_dict}}


def step_statuses(result: dg.JobExecutionResult) -> dict[str, str]:
    ends = {dg.DagsterEventType.STEP_SUCCESS: "success", dg.DagsterEventType.STEP_FAILURE: "failure"}
    return {event.step_key: ends[event.event_type] for event in result.all_events if event.event_type in ends}


def test_each_step_runs_in_its_own_process_forked_from_the_forkserver(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    reports = tmp_path
    with dg.execute_job(dg.reconstructable(two_steps), instance, run_config=run_config(two_steps, reports)) as result:
        assert result.success
    first_pid, first_parent = (reports / "first").read_text().split("\n", 1)
    second_pid, second_parent = (reports / "second").read_text().split("\n", 1)
    assert first_pid != second_pid != str(os.getpid())
    assert "forkserver" in first_parent and "forkserver" in second_parent, (first_parent, second_parent)


def test_a_step_process_killed_with_sigkill_fails_only_its_own_step(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    reports = tmp_path
    config = run_config(one_step_killed, reports)
    with dg.execute_job(dg.reconstructable(one_step_killed), instance, run_config=config) as result:
        assert not result.success
        statuses = step_statuses(result)
    assert statuses == {"killed": "failure", "survivor": "success"}
    assert (reports / "killed").exists() and (reports / "survivor").exists()
