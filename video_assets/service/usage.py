"""Per-tenant limits counted in the database with one atomic statement each, so that several API processes share
them: the request rate per window and the output seconds per UTC day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from video_assets.db.api_models import UsageCounter


@dataclass(frozen=True)
class Usage:
    allowed: bool
    used: float  # after this call when allowed, before it when refused
    limit: float
    reset_seconds: int  # until the window ends


def window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def take(
    session: Session, tenant: str, kind: str, amount: float, limit: float, window_seconds: int, now: datetime
) -> Usage:
    """Add `amount` to the tenant's counter for the current window unless that would pass `limit`. The insert, the
    check and the increment are one statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE), so two processes can
    never both take the last unit."""
    start = window_start(now, window_seconds)
    reset = max(1, int((start + timedelta(seconds=window_seconds) - now).total_seconds() + 0.999))
    if amount > limit:
        return Usage(False, _used(session, tenant, kind, start), limit, reset)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = UsageCounter.__table__
    statement = dialect.insert(table).values(tenant=tenant, kind=kind, window_start=start, used=amount)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant", "kind", "window_start"],
        set_={"used": table.c.used + amount},
        where=table.c.used + amount <= limit,
    ).returning(table.c.used)
    used = session.execute(statement).scalar()
    if used is None:
        return Usage(False, _used(session, tenant, kind, start), limit, reset)
    return Usage(True, float(used), limit, reset)


def _used(session: Session, tenant: str, kind: str, start: datetime) -> float:
    row = session.query(UsageCounter.used).filter_by(tenant=tenant, kind=kind, window_start=start).scalar()
    return float(row or 0.0)
