"""Feed ingestion over the database: poll some feeds, record each one's outcome on its `feeds` row, and turn every
new entry into one pending request (the request sensor launches it like any other).

A feed that cannot be fetched or read is recorded with the reason and the other feeds carry on. An entry that
cannot become a request is recorded on its `feed_entries` row with the reason. Every write is idempotent on the
request's idempotency key, so polling a feed again, or after a tick failed half-way, never makes a second request.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.engine import session_scope
from video_assets.db.models import Feed as FeedRow
from video_assets.db.models import FeedEntry, utcnow
from video_assets.db.repository import create_request
from video_assets.db.upsert import upsert
from video_assets.feeds import (
    EntryRejected,
    Feed,
    FeedError,
    FeedItem,
    entry_request,
    fetch_feed,
    idempotency_key,
    parse_feed,
)
from video_assets.media import FetchPolicy


@dataclass(frozen=True)
class FeedOptions:
    per_update: bool = False  # an entry the feed marks updated becomes a new request
    feeds_per_tick: int = 8
    entries_per_tick: int = 20


@dataclass
class FeedReport:
    url: str
    status: str  # ok | error
    reason: str | None = None
    requested: list[str] = field(default_factory=list)  # request ids made by this poll
    known: int = 0  # entries taken by an earlier poll
    updated: int = 0  # known entries with an `updated` date not seen before; a new request only with per_update
    rejected: int = 0
    deferred: int = 0  # new entries beyond the per-tick cap, taken at the feed's next poll


@dataclass(frozen=True)
class PollOutcome:
    reports: list[FeedReport]
    next_index: int  # where the next tick starts in the configured list


def poll_feeds(
    database_url: str, urls: Sequence[str], options: FeedOptions, policy: FetchPolicy, start: int = 0
) -> PollOutcome:
    """Poll up to `feeds_per_tick` feeds from `start` on, in turn, fetching them in parallel."""
    if not urls:
        return PollOutcome([], 0)
    count = min(options.feeds_per_tick, len(urls))
    chosen = list(dict.fromkeys(urls[(start + offset) % len(urls)] for offset in range(count)))
    with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
        documents = list(pool.map(lambda url: _read(url, policy), chosen))
    reports = [_record(database_url, url, document, options) for url, document in zip(chosen, documents, strict=True)]
    return PollOutcome(reports, (start + count) % len(urls))


def _read(url: str, policy: FetchPolicy) -> Feed | FeedError:
    try:
        return parse_feed(url, fetch_feed(url, policy))
    except FeedError as error:
        return error


def _record(database_url: str, url: str, document: Feed | FeedError, options: FeedOptions) -> FeedReport:
    with session_scope(database_url) as session:
        row = upsert(session, FeedRow, {"url": url}, {"last_polled_at": utcnow()})
        if isinstance(document, FeedError):
            row.status, row.reason = "error", str(document)
            return FeedReport(url, "error", str(document))
        report = FeedReport(url, "ok")
        for item in document.items:
            _take(session, row, document, item, options, report)
        row.status, row.title, row.last_ok_at = "ok", document.title[:500], utcnow()
        row.reason = f"{report.deferred} new entries wait for the next poll" if report.deferred else None
        row.entries_seen = len(document.items)
        row.requests_created = (row.requests_created or 0) + len(report.requested)
        return report


def _take(session: Session, row: FeedRow, feed: Feed, item: FeedItem, options: FeedOptions, report: FeedReport) -> None:
    versions = [entry.entry_updated for entry in _entries(session, row, item)]
    if versions:
        report.known += 1
        if _updated(item) in versions:
            return
        report.updated += 1
        if not options.per_update:
            return
    update = bool(versions)
    key = idempotency_key(feed.url, item, update)
    try:
        request = entry_request(feed, item, update)
    except EntryRejected as error:
        session.add(_entry(row, item, key, None, "rejected", str(error)))
        session.flush()
        report.rejected += 1
        return
    if len(report.requested) >= options.entries_per_tick:
        report.deferred += 1
        return
    request_id, _ = create_request(session, request.spec)
    session.add(_entry(row, item, key, request_id, "requested", request.note))
    session.flush()
    report.requested.append(request_id)


def _entries(session: Session, row: FeedRow, item: FeedItem) -> list[FeedEntry]:
    """Every version of this entry already taken (requested or rejected)."""
    query = select(FeedEntry).where(FeedEntry.feed_id == row.id, FeedEntry.entry_id == (item.entry_id or "(none)"))
    return list(session.scalars(query))


def _updated(item: FeedItem) -> str | None:
    return (item.updated or "")[:64] or None


def _entry(
    row: FeedRow, item: FeedItem, key: str, request_id: str | None, status: str, reason: str | None
) -> FeedEntry:
    return FeedEntry(
        feed_id=row.id,
        entry_id=item.entry_id or "(none)",
        entry_updated=_updated(item),
        idempotency_key=key,
        request_id=request_id,
        status=status,
        reason=reason,
    )
