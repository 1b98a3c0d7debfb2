from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field
from sqlalchemy.orm import Session

from video_assets.db.engine import session_scope


class DatabaseResource(dg.ConfigurableResource):
    """The system of record: Postgres in production, a SQLite file by default."""

    url: str = Field(description="SQLAlchemy URL: postgresql+psycopg2://user@host/db, or sqlite:///path")

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.url) as session:
            yield session
