"""`reconcile` and `housekeeping` are quiet like `run` (issue 23, item 10): a summary on stdout, Dagster's event log
in a file, and on stderr only with `-v`. One invocation per case: each CLI process loads the whole code location."""

from __future__ import annotations

from pathlib import Path

from tests.operations.cli_process import cli_env, run_cli


def test_reconcile_prints_its_summary_and_keeps_the_dagster_log_in_a_file(
    postgres_url: str, s3_endpoint: str, s3_store, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "home", postgres_url, s3_endpoint, s3_store.bucket, [tmp_path])

    quiet = run_cli(env, "reconcile")

    assert quiet.returncode == 0, quiet.stderr
    assert "reconcile_external_merges." in quiet.stdout, "the summary of the pass is on stdout"
    lines = quiet.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("run log: "), quiet.stderr
    log = Path(lines[0].removeprefix("run log: ")).read_text(encoding="utf-8")
    assert "RUN_SUCCESS" in log and "RUN_SUCCESS" not in quiet.stdout


def test_housekeeping_with_verbose_sends_the_dagster_log_to_stderr(
    postgres_url: str, s3_endpoint: str, s3_store, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "home", postgres_url, s3_endpoint, s3_store.bucket, [tmp_path])

    verbose = run_cli(env, "housekeeping", "--grace-seconds", "0", "-v")

    assert verbose.returncode == 0, verbose.stderr
    assert "RUN_SUCCESS" in verbose.stderr and "run log:" not in verbose.stderr
    assert not (tmp_path / "home" / "logs").exists() or not list((tmp_path / "home" / "logs").iterdir())
