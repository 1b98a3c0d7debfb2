"""One idempotent write: find the row by its natural key, update it, or insert it."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.models import Base

Row = TypeVar("Row", bound=Base)


def upsert(session: Session, model: type[Row], natural_key: dict[str, Any], values: dict[str, Any]) -> Row:
    query = select(model).filter_by(**natural_key).with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None:
        row = model(**natural_key, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    return row
