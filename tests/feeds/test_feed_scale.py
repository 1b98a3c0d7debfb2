"""A feed that keeps its whole archive: every poll converts at most the per-tick number of entries and skips the
ones already taken by id, so a 10,000-entry feed fits in a sensor tick. Real feeds on localhost, real Postgres."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.feeds.big_feed import atom_feed
from tests.feeds.feed_server import FeedServer
from tests.feeds.test_feed_sensor import tick
from video_assets.db.engine import session_scope
from video_assets.db.models import Feed, FeedEntry, VideoRequest
from video_assets.media import FetchPolicy
from video_assets.stages.feeds import FeedOptions, FeedReport, poll_feeds

ARCHIVE = 10_000
PER_TICK = 20
POLICY = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}))
EMPTY_ENTRY = "<entry><id>urn:empty:{index}</id></entry>"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer().start()
    yield feeds
    feeds.stop()


def poll(database_url: str, url: str) -> FeedReport:
    (report,) = poll_feeds(database_url, [url], FeedOptions(entries_per_tick=PER_TICK), POLICY).reports
    assert report.status == "ok", report.reason
    return report


def counts(database_url: str) -> tuple[int, int]:
    """(requests made from feeds, feed entries recorded)."""
    with session_scope(database_url) as session:
        made = session.scalar(
            select(func.count()).select_from(VideoRequest).where(VideoRequest.idempotency_key.like("feed:%"))
        )
        recorded = session.scalar(select(func.count()).select_from(FeedEntry))
    return made or 0, recorded or 0


def test_a_10000_entry_feed_converts_only_the_per_tick_number_and_never_an_entry_already_taken(
    postgres_url: str, server: FeedServer
) -> None:
    url = server.serve("/archive.xml", atom_feed(server.url(""), ARCHIVE))

    first = poll(postgres_url, url)
    assert (first.converted, len(first.requested), first.known, first.deferred) == (PER_TICK, PER_TICK, 0, 9980)
    assert counts(postgres_url) == (PER_TICK, PER_TICK)

    second = poll(postgres_url, url)
    assert (second.converted, second.known, second.deferred) == (PER_TICK, PER_TICK, 9960)
    assert not set(second.requested) & set(first.requested)
    assert counts(postgres_url) == (2 * PER_TICK, 2 * PER_TICK)

    # The publisher trims the feed to the entries already taken: nothing is converted again.
    server.serve("/archive.xml", atom_feed(server.url(""), 2 * PER_TICK))
    trimmed = poll(postgres_url, url)
    assert (trimmed.converted, trimmed.known, trimmed.deferred, trimmed.requested) == (0, 2 * PER_TICK, 0, [])
    assert counts(postgres_url) == (2 * PER_TICK, 2 * PER_TICK)


def test_the_feed_sensor_takes_the_per_tick_number_of_a_large_feed_and_says_how_many_wait(
    postgres_url: str, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.serve("/archive.xml", atom_feed(server.url(""), ARCHIVE))
    monkeypatch.setenv("VIDEO_ASSETS_FEED_URLS", url)
    monkeypatch.setenv("VIDEO_ASSETS_FEED_ENTRIES_PER_TICK", str(PER_TICK))

    tick(postgres_url)

    assert counts(postgres_url) == (PER_TICK, PER_TICK)
    with session_scope(postgres_url) as session:
        feed = session.scalars(select(Feed)).one()
    assert (feed.status, feed.entries_seen, feed.requests_created) == ("ok", ARCHIVE, PER_TICK)
    assert feed.reason == f"{ARCHIVE - PER_TICK} new entries wait for the next poll"


def test_rejected_entries_count_against_the_per_tick_limit_and_are_not_converted_again(
    postgres_url: str, server: FeedServer
) -> None:
    empty = "".join(EMPTY_ENTRY.format(index=index) for index in range(PER_TICK + 5))
    url = server.serve("/empty.xml", f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{empty}</feed>')

    first, second, third = poll(postgres_url, url), poll(postgres_url, url), poll(postgres_url, url)

    assert (first.converted, first.rejected, first.deferred) == (PER_TICK, PER_TICK, 5)
    assert (second.converted, second.rejected, second.known, second.deferred) == (5, 5, PER_TICK, 0)
    assert (third.converted, third.known) == (0, PER_TICK + 5)
    assert counts(postgres_url) == (0, PER_TICK + 5)


def test_an_entry_listed_twice_in_one_document_becomes_one_request(postgres_url: str, server: FeedServer) -> None:
    single = atom_feed(server.url(""), 1)
    entry = single[single.index("  <entry>") : single.index("</feed>")]
    url = server.serve("/twice.xml", single.replace("</feed>", entry + "</feed>"))

    report = poll(postgres_url, url)

    assert (report.converted, len(report.requested), report.known) == (1, 1, 1)
    assert counts(postgres_url) == (1, 1)
