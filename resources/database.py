from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from resources.env import FromSettings
from video_assets.db.engine import session_scope
from video_assets.settings import Settings


class DatabaseResource(FromSettings):
    """The system of record: Postgres in production, a SQLite file by default."""

    # A URL carries the password, so it stays out of repr and log lines.
    url: str = Field(
        "", repr=False, description="SQLAlchemy URL: postgresql+psycopg2://user@host/db, or sqlite:///path"
    )

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {"url": settings.database_url.get_secret_value()}

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.url) as session:
            yield session
