"""Alembic entry points; production runs `video-assets db upgrade`, never create_all."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from video_assets.db.engine import normalise_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    with migration_lock(url):
        command.downgrade(alembic_config(url), revision)


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """One migrating process at a time for an embedded SQLite file: every CLI command migrates a fresh home on first
    use, and twenty concurrent first `submit`s otherwise all create the same tables ("table already exists"). The
    lock is a file next to the database; the first holder migrates and the others then find the schema at head.
    Postgres is migrated by one `video-assets db upgrade` at deploy time."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    lock_path = Path(f"{parsed.database}.migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also when the process dies
        yield
