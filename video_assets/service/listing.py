"""`list`: the requests with their status, stage, title and age, filtered by status and age, and how many are in
each status; the same answer for the CLI, a future HTTP API and MCP."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from video_assets.db.models import VideoRequest
from video_assets.db.repository import count_requests_by_status, find_requests

# The request state machine, in its order: pending -> queued -> processing -> one of the four ends.
REQUEST_STATUSES = ("pending", "queued", "processing", "completed", "partial_success", "failed", "cancelled")
DEFAULT_LIMIT = 50
_SPAN = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ListFilterError(ValueError):
    """A filter that cannot be understood; the message says which and what is accepted."""


@dataclass(frozen=True)
class RequestSummary:
    id: str
    status: str
    stage: str | None
    title: str
    created_at: datetime
    age_seconds: float
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "created_at": self.created_at.isoformat(), "age_seconds": round(self.age_seconds)}


@dataclass(frozen=True)
class RequestListing:
    requests: list[RequestSummary]
    counts: dict[str, int]  # every status of the state machine, over the time window whatever `statuses` shows
    statuses: list[str]
    since: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": [summary.as_json() for summary in self.requests],
            "counts": self.counts,
            "total": sum(self.counts.values()),
            "filter": {"statuses": self.statuses, "since": self.since.isoformat() if self.since else None},
        }


def parse_span(text: str) -> timedelta:
    """'90s', '30m', '2h', '7d', '1w' or combinations such as '1h30m'."""
    cleaned = text.strip().lower()
    parts = _SPAN.findall(cleaned)
    if not parts or _SPAN.sub("", cleaned).strip():
        raise ListFilterError(f"since {text!r}: give a span such as 90s, 30m, 2h, 7d or 1w")
    return timedelta(seconds=sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in parts))


def check_statuses(statuses: Sequence[str]) -> list[str]:
    unknown = [status for status in statuses if status not in REQUEST_STATUSES]
    if unknown:
        raise ListFilterError(f"status: unknown {', '.join(unknown)} (known: {', '.join(REQUEST_STATUSES)})")
    return list(dict.fromkeys(statuses))


def list_requests(
    session: Session, statuses: Sequence[str] = (), since: timedelta | None = None, limit: int = DEFAULT_LIMIT
) -> RequestListing:
    """The newest `limit` requests in `statuses` (all when empty) created within `since` of now (all when None)."""
    wanted = check_statuses(statuses)
    if limit < 1:
        raise ListFilterError(f"limit {limit}: give at least 1")
    now = datetime.now(UTC)
    start = now - since if since is not None else None
    rows = find_requests(session, wanted, start, limit)
    found = count_requests_by_status(session, start)
    counts = {status: found.get(status, 0) for status in REQUEST_STATUSES}
    counts.update({status: count for status, count in found.items() if status not in counts})
    return RequestListing([_summary(row, now) for row in rows], counts, wanted, start)


def _summary(row: VideoRequest, now: datetime) -> RequestSummary:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return RequestSummary(row.id, row.status, row.stage, row.title, created, (now - created).total_seconds(), row.error)
