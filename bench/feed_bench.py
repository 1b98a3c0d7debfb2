"""Feed sensor under a large feed: one 10,000-entry Atom feed on a local server, polled a few times into Postgres
with the default per-tick cap. A tick has 60 s; every poll must fit well inside it."""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.feeds.big_feed import atom_feed  # noqa: E402
from tests.feeds.feed_server import FeedServer  # noqa: E402
from tests.harness.postgres import create_database, drop_database, postgres_server  # noqa: E402
from video_assets.db.engine import get_engine  # noqa: E402
from video_assets.db.migrate import upgrade  # noqa: E402
from video_assets.feeds import fetch_feed, parse_feed  # noqa: E402
from video_assets.media import FetchPolicy  # noqa: E402
from video_assets.stages.feeds import FeedOptions, poll_feeds  # noqa: E402

ENTRIES = 10_000
POLLS = 3


def run() -> dict[str, float]:
    options, policy = FeedOptions(), FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}))
    feeds = FeedServer().start()
    with postgres_server() as server:
        name = f"va_bench_{uuid.uuid4().hex[:8]}"
        url = create_database(server, name)
        try:
            upgrade(url)
            feed_url = feeds.serve("/archive.xml", atom_feed(feeds.url(""), ENTRIES))
            started = time.perf_counter()
            parse_feed(feed_url, fetch_feed(feed_url, policy))
            fetch_and_parse = time.perf_counter() - started
            durations, converted = [], []
            for _ in range(POLLS):
                started = time.perf_counter()
                (report,) = poll_feeds(url, [feed_url], options, policy).reports
                durations.append(time.perf_counter() - started)
                converted.append(report.converted)
        finally:
            feeds.stop()
            get_engine(url).dispose()
            drop_database(server, name)
    return {
        "feed_entries": ENTRIES,
        "entries_per_tick": options.entries_per_tick,
        "fetch_and_parse_s": round(fetch_and_parse, 2),
        "first_poll_s": round(durations[0], 2),
        "median_poll_s": round(statistics.median(durations), 2),
        "max_poll_s": round(max(durations), 2),
        "max_converted_per_poll": max(converted),
    }
