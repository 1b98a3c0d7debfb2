"""Smoke test of `scripts/prod.sh`: the production topology comes up, answers as the UI and the CLI use it, and
`down` stops every process `up` started, children included."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import requests

from sensors.liveness import process_exists
from tests.harness.postgres import free_port
from tests.harness.processes import process_tree, recorded_processes
from tests.operations.cli_process import CLI

REPO = Path(__file__).resolve().parents[2]
PROD = REPO / "scripts" / "prod.sh"
PROCESSES = {"postgres", "s3", "code-server", "webserver", "daemon", "api", "webhooks", "exporter", "prometheus"}

OVERVIEW = """
{
  version
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes { location { name } sensors { name sensorState { status } } }
    }
  }
  instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } }
}
"""


def prod(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(PROD), command], env=env, capture_output=True, text=True, timeout=300)


def test_prod_up_serves_the_location_in_production_mode_and_prod_down_stops_everything_it_started(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    port = free_port()
    env = {
        **os.environ,
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_PROD_WEB_PORT": str(port),
        "VIDEO_ASSETS_RENDER_PRESET": "ultrafast",
    }
    env.pop("DAGSTER_HOME", None)
    started = prod("up", env)
    try:
        assert started.returncode == 0, started.stderr
        pids = recorded_processes(home)
        assert set(pids) == PROCESSES
        everything = process_tree(list(pids.values()))
        assert len(everything) > len(pids), "the code server runs its code in a child process"

        settings = dict(line.split("=", 1) for line in (home / "prod" / "env").read_text().splitlines())
        assert settings["VIDEO_ASSETS_MODE"] == "production"
        assert settings["VIDEO_ASSETS_STORAGE"] == "s3"
        assert settings["VIDEO_ASSETS_DATABASE_URL"].startswith("postgresql+psycopg2://")
        assert settings["DAGSTER_HOME"] == str(home / "prod" / "dagster")
        assert str(REPO / "examples" / "media") in settings["VIDEO_ASSETS_LOCAL_ROOTS"].split(":")
        assert settings["VIDEO_ASSETS_RENDER_PRESET"] == "ultrafast", "the caller's settings reach the processes"
        assert (home / "prod" / "dagster" / "dagster.yaml").read_text() == (REPO / "dagster.yaml").read_text()

        answer = requests.post(f"http://127.0.0.1:{port}/graphql", json={"query": OVERVIEW}, timeout=30).json()
        data = answer["data"]
        assert data["version"]
        [repository] = data["repositoriesOrError"]["nodes"]
        assert repository["location"]["name"] == "video_assets"
        sensors = {sensor["name"]: sensor["sensorState"]["status"] for sensor in repository["sensors"]}
        assert sensors["stalled_run_sensor"] == sensors["cancelled_run_sensor"] == "RUNNING"
        daemons = data["instance"]["daemonHealth"]["allDaemonStatuses"]
        assert all(daemon["healthy"] for daemon in daemons if daemon["required"]), daemons

        # `set -a; . env` is all the CLI needs to work on this deployment's Postgres.
        cli = subprocess.run([CLI, "dead-letters", "--json"], env={**env, **settings}, capture_output=True, text=True)
        assert cli.returncode == 0, cli.stderr
        assert prod("status", env).returncode == 0
    finally:
        stopped = prod("down", env)
    assert stopped.returncode == 0, stopped.stderr
    assert not [pid for pid in everything if process_exists(pid)], "prod.sh down left processes behind"
    assert not (home / "prod" / "pids").exists()
    assert prod("down", env).returncode == 0, "down is idempotent"
    assert prod("status", env).returncode != 0
