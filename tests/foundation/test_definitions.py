import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy.engine import make_url

from executors.queues import QUEUE_TAG, QUEUES
from resources.build import resources_for
from video_assets.definitions import build_definitions, defs
from video_assets.settings import Mode

REPO = Path(__file__).resolve().parents[2]


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)


@pytest.mark.parametrize("mode", ["embedded", "production"])
def test_definitions_of_each_mode_are_loadable(mode: Mode) -> None:
    dg.Definitions.validate_loadable(build_definitions(resources_for(mode)))


@pytest.mark.parametrize("mode", ["embedded", "production"])
def test_workspace_validates_with_no_settings_and_an_empty_dagster_home(mode: Mode, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEO_ASSETS_", "AWS_", "DAGSTER_"))}
    env |= {"DAGSTER_HOME": str(tmp_path), "VIDEO_ASSETS_MODE": mode}
    dagster = str(Path(sys.executable).parent / "dagster")
    result = subprocess.run(
        [dagster, "definitions", "validate", "-w", "workspace.yaml"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_instance_config_runs_on_postgres(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_url(postgres_url)
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    for name, value in {
        "DAGSTER_HOME": str(tmp_path),
        "DAGSTER_PG_HOST": url.host,
        "DAGSTER_PG_PORT": str(url.port),
        "DAGSTER_PG_USER": url.username,
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_DB": url.database,
    }.items():
        monkeypatch.setenv(name, value or "")
    with dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"]) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert instance.run_monitoring_enabled
        assert instance.run_retries_enabled
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 4


def test_every_step_of_every_job_is_routed_to_a_celery_queue_with_workers() -> None:
    """A step left on dagster-celery's default queue would wait forever: no worker listens there."""
    for job in defs.resolve_all_job_defs():
        for node in job.graph.iterate_op_defs():
            assert node.tags.get(QUEUE_TAG) in QUEUES, (job.name, node.name, node.tags)
