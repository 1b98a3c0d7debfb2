"""Feed ingestion over the database: poll some feeds, record each one's outcome on its `feeds` row, and turn every
new entry into one pending request (the request sensor launches it like any other).

A feed that cannot be fetched or read is recorded with the reason and the other feeds carry on. An entry that
cannot become a request, or whose request submit would refuse (video_assets/service/validation.py), is recorded on its
`feed_entries` row with the reason. Every write is idempotent on the request's idempotency key, so polling a feed
again, or after a tick failed half-way, never makes a second request.
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
from video_assets.service import intake_problems


@dataclass(frozen=True)
class FeedOptions:
    per_update: bool = False  # an entry the feed marks updated becomes a new request
    feeds_per_tick: int = 8
    entries_per_tick: int = 20
    # The offline planner writes the scripts, so its own planning is checked at intake; a language model is held
    # only to the floor every backend shares.
    offline_planner: bool = False


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
    converted: int = 0  # entries turned into a request or a rejection by this poll; at most `entries_per_tick`


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
        taken = _taken_versions(session, row)
        for item in document.items:
            _take(session, row, document, item, options, report, taken)
        row.status, row.title, row.last_ok_at = "ok", document.title[:500], utcnow()
        row.reason = f"{report.deferred} new entries wait for the next poll" if report.deferred else None
        row.entries_seen = len(document.items)
        row.requests_created = (row.requests_created or 0) + len(report.requested)
        return report


def _take(
    session: Session,
    row: FeedRow,
    feed: Feed,
    item: FeedItem,
    options: FeedOptions,
    report: FeedReport,
    taken: dict[str, set[str | None]],
) -> None:
    """Skips a known entry by its id and date before any conversion, and converts at most `entries_per_tick`:
    a feed that keeps its whole archive (10,000 entries) would otherwise convert every waiting entry on every poll
    and run past the 60 s a sensor tick has."""
    entry_id = item.entry_id or "(none)"
    versions = taken.get(entry_id)
    if versions:
        report.known += 1
        if _updated(item) in versions:
            return
        report.updated += 1
        if not options.per_update:
            return
    if report.converted >= options.entries_per_tick:
        report.deferred += 1
        return
    report.converted += 1
    update = bool(versions)
    # Known from here on: the same id twice in one document is taken once.
    taken.setdefault(entry_id, set()).add(_updated(item))
    key = idempotency_key(feed.url, item, update)
    try:
        request = entry_request(feed, item, update)
        problems = intake_problems(request.spec, options.offline_planner)
        if problems:
            raise EntryRejected("; ".join(problems))
    except EntryRejected as error:
        session.add(_entry(row, item, key, None, "rejected", str(error)))
        session.flush()
        report.rejected += 1
        return
    request_id, _ = create_request(session, request.spec)
    session.add(_entry(row, item, key, request_id, "requested", request.note))
    session.flush()
    report.requested.append(request_id)


def _taken_versions(session: Session, row: FeedRow) -> dict[str, set[str | None]]:
    """The `updated` dates of every entry of this feed already taken (requested or rejected), by entry id, in one
    query rather than one per entry."""
    taken: dict[str, set[str | None]] = {}
    query = select(FeedEntry.entry_id, FeedEntry.entry_updated).where(FeedEntry.feed_id == row.id)
    for entry_id, updated in session.execute(query):
        taken.setdefault(entry_id, set()).add(updated)
    return taken


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
