"""A feed entry whose request submit would refuse is recorded as rejected with submit's reason, and no request is made:
the feeds are one more door to the same validation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.feeds.feed_server import FeedServer
from video_assets.db.engine import session_scope
from video_assets.db.models import FeedEntry, VideoRequest
from video_assets.media import FetchPolicy
from video_assets.stages.feeds import FeedOptions, poll_feeds

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>实验室笔记</title><link>{base}/lab</link><description>notes</description>
  <item>
    <title>融化的表情</title><guid isPermaLink="false">melting</guid>
    <description><![CDATA[<p>今天的心情是 🫠。</p><img src="{base}/media/a.jpg">]]></description>
  </item>
  <item>
    <title>五十张照片</title><guid isPermaLink="false">fifty-photos</guid>
    <description><![CDATA[<p>一组照片。</p>{images}]]></description>
  </item>
  <item>
    <title>一杯咖啡</title><guid isPermaLink="false">coffee</guid>
    <description><![CDATA[<p>清晨的实验室里，一杯咖啡开启了新的一天。</p><img src="{base}/media/a.jpg">]]></description>
  </item>
</channel></rss>
"""


@pytest.fixture
def feed() -> Iterator[str]:
    server = FeedServer().start()
    images = "".join(f'<img src="{server.url("")}/media/{index}.jpg">' for index in range(50))
    yield server.serve("/rss.xml", RSS.format(base=server.url(""), images=images))
    server.stop()


def test_entries_submit_would_refuse_are_rejected_with_its_reason_and_make_no_request(
    postgres_url: str, feed: str
) -> None:
    policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}))

    outcome = poll_feeds(postgres_url, [feed], FeedOptions(offline_planner=True), policy)

    with session_scope(postgres_url) as session:
        entries = {entry.entry_id: entry for entry in session.scalars(select(FeedEntry))}
        made = session.scalar(select(func.count()).select_from(VideoRequest))
    assert (outcome.reports[0].rejected, len(outcome.reports[0].requested), made) == (2, 1, 1)
    assert entries["melting"].status == "rejected"
    assert entries["melting"].reason == "markdown: no installed font draws U+1FAE0 (🫠) for the subtitles"
    assert entries["fifty-photos"].status == "rejected"
    assert entries["fifty-photos"].reason.startswith("target_duration: a 60s video cannot show 40 materials")
    assert entries["coffee"].status == "requested"
