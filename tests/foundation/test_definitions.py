import os
import shutil
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy.engine import make_url

from video_assets.definitions import defs

REPO = Path(__file__).resolve().parents[2]


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)


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
