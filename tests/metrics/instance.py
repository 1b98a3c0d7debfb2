"""A Dagster instance on a real Postgres database of its own, as the production instance is: the exporter reads the
event log across all runs, which only SQL storage that is not sharded per run offers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import yaml
from sqlalchemy.engine import make_url


@contextmanager
def postgres_instance(database_url: str, home: Path) -> Iterator[dg.DagsterInstance]:
    url = make_url(database_url)
    postgres_db = {
        "hostname": url.host,
        "port": url.port or 5432,
        "username": url.username,
        "password": url.password or "",
        "db_name": url.database,
        "scheme": "postgresql+psycopg2",
    }
    home.mkdir(parents=True, exist_ok=True)
    config = {"storage": {"postgres": {"postgres_db": postgres_db}}, "telemetry": {"enabled": False}}
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance
