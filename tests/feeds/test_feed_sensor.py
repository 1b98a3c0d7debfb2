"""feed_sensor against real Atom and RSS feeds served on localhost, writing to a real Postgres database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from resources.database import DatabaseResource
from resources.ingest import IngestResource
from sensors.feeds import feed_sensor
from tests.feeds.feed_server import FeedServer
from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources
from video_assets.assets.media_items import media_items
from video_assets.cli import main
from video_assets.db.engine import session_scope
from video_assets.db.models import Feed, FeedEntry, MediaItem, VideoRequest
from video_assets.request_schema import VideoRequestSpec

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>星河科技公众号</title>
  <id>urn:feed:xinghe</id>
  <updated>{updated}</updated>
  <link href="{base}/"/>
  <entry>
    <title>星河 X7 Pro 深度评测</title>
    <id>urn:entry:x7-review</id>
    <link href="{base}/posts/x7.html"/>
    <updated>{updated}</updated>
    <category term="数码"/>
    <category term="手机评测"/>
    <content type="html"><![CDATA[
      <p>上周我拿到了星河 X7 Pro，连续用了七天，{text}</p>
      <p><img data-src="/media/unbox.jpg" src="/placeholder.gif" alt="开箱"></p>
      <p>续航是它最大的亮点，<strong>6000mAh</strong> 电池配合 100W 快充。</p>
      <video controls><source src="/media/charge.mp4" type="video/mp4"></video>
      <p>结论：值得买。</p><img src="file:///etc/passwd"><script>alert("x")</script>
    ]]></content>
  </entry>
  <entry>
    <title>Launch day</title>
    <id>urn:entry:launch</id>
    <link href="{base}/posts/launch.html"/>
    <updated>2026-11-30T08:00:00Z</updated>
    <summary type="html">&lt;p&gt;The rocket left the pad.&lt;/p&gt;&lt;img src="../media/rocket.jpg"&gt;</summary>
  </entry>
</feed>
"""
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>实验室笔记</title><link>{base}/lab</link><description>notes</description>
  <item>
    <title>咖啡与实验室</title><guid isPermaLink="false">lab-42</guid><link>{base}/lab/42</link>
    <pubDate>Mon, 01 Dec 2026 08:00:00 GMT</pubDate><category>生活</category>
    <description><![CDATA[<p>清晨的实验室里，一杯咖啡开启了新的一天。</p>]]></description>
    <enclosure url="{base}/media/coffee.jpg" type="image/jpeg" length="1000"/>
  </item>
  <item><guid isPermaLink="false">empty-1</guid></item>
</channel></rss>
"""
FIRST_UPDATE = "2026-12-01T08:00:00Z"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("feed-media")
    files = {
        "/media/unbox.jpg": photo("astronaut", root / "unbox.jpg", size=(320, 320)),
        "/media/rocket.jpg": photo("rocket", root / "rocket.jpg", size=(320, 240)),
        "/media/coffee.jpg": photo("coffee", root / "coffee.jpg", size=(320, 240)),
        "/media/charge.mp4": clip(root / "charge.mp4", 320, 180, seconds=1.0),
    }
    return {path: file.read_bytes() for path, file in files.items()}


@pytest.fixture
def server(media: dict[str, bytes]) -> Iterator[FeedServer]:
    feeds = FeedServer().start()
    for path, body in media.items():
        feeds.serve(path, body, "application/octet-stream")
    publish_atom(feeds, FIRST_UPDATE, "今天就把真实体验分享给大家。")
    feeds.serve("/rss.xml", RSS.format(base=feeds.url("")))
    yield feeds
    feeds.stop()


def publish_atom(feeds: FeedServer, updated: str, text: str) -> str:
    return feeds.serve("/atom.xml", ATOM.format(base=feeds.url(""), updated=updated, text=text))


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - a small setter
    def feeds(*urls: str, **settings: str) -> None:
        monkeypatch.setenv("VIDEO_ASSETS_FEED_URLS", ",".join(urls))
        for name, value in settings.items():
            monkeypatch.setenv(f"VIDEO_ASSETS_{name.upper()}", value)

    return feeds


def tick(database_url: str, cursor: str | None = None) -> dg.SensorResult:
    resources = {
        "database": DatabaseResource(url=database_url),
        "ingest": IngestResource(fetch_allow_hosts=["127.0.0.1"]),
    }
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        return feed_sensor(context)


def requests(database_url: str) -> dict[str, VideoRequestSpec]:
    with session_scope(database_url) as session:
        rows = session.scalars(select(VideoRequest).where(VideoRequest.idempotency_key.like("feed:%")))
        return {row.title: VideoRequestSpec.model_validate(row.spec) for row in rows}


def test_three_new_entries_become_three_requests_and_polling_again_makes_none(
    postgres_url: str, server: FeedServer, configure
) -> None:
    configure(server.url("/atom.xml"), server.url("/rss.xml"))

    first = tick(postgres_url)
    made = requests(postgres_url)
    again = tick(postgres_url, first.cursor)

    assert set(made) == {"星河 X7 Pro 深度评测", "Launch day", "咖啡与实验室"}
    assert requests(postgres_url).keys() == made.keys()
    assert again.skip_reason is not None and "no new feed entries" in str(again.skip_reason)
    review, launch, coffee = made["星河 X7 Pro 深度评测"], made["Launch day"], made["咖啡与实验室"]
    base = server.url("")
    assert f"![开箱]({base}/media/unbox.jpg)" in review.markdown
    assert f'<video src="{base}/media/charge.mp4"></video>' in review.markdown
    assert "**6000mAh**" in review.markdown and "alert" not in review.markdown and "passwd" not in review.markdown
    assert (review.tags, review.language) == (["数码", "手机评测"], "zh")
    assert f"![]({base}/media/rocket.jpg)" in launch.markdown and launch.language == "en"
    assert [m.uri for m in coffee.materials] == [f"{base}/media/coffee.jpg"] and coffee.tags == ["生活"]
    with session_scope(postgres_url) as session:
        entries = {e.entry_id: e for e in session.scalars(select(FeedEntry))}
    assert entries["urn:entry:x7-review"].reason.startswith("left out 1 media that are not http(s): file:")
    assert entries["empty-1"].status == "rejected" and entries["empty-1"].reason == "the entry has no title and no text"


def test_an_updated_entry_makes_no_second_request_unless_updates_are_configured_to(
    postgres_url: str, server: FeedServer, configure
) -> None:
    configure(server.url("/atom.xml"))
    tick(postgres_url)
    publish_atom(server, "2026-12-02T09:30:00Z", "更新：补充了夜景样张。")

    tick(postgres_url)
    assert len(requests(postgres_url)) == 2

    configure(server.url("/atom.xml"), feed_request_updates="true")
    tick(postgres_url)
    tick(postgres_url)
    with session_scope(postgres_url) as session:
        review = session.scalars(select(VideoRequest).where(VideoRequest.title == "星河 X7 Pro 深度评测")).all()
    assert len(review) == 2 and "夜景样张" in max(review, key=lambda r: r.created_at).spec["markdown"]


def test_a_malformed_feed_and_a_server_error_are_recorded_and_the_other_feeds_carry_on(
    postgres_url: str, server: FeedServer, configure
) -> None:
    broken = server.serve("/broken.xml", "<rss><channel><item><title>cut off")
    failing = server.serve("/500.xml", "oops", "text/plain", status=500)
    configure(broken, server.url("/atom.xml"), failing)

    tick(postgres_url)

    with session_scope(postgres_url) as session:
        feeds = {feed.url: (feed.status, feed.reason) for feed in session.scalars(select(Feed))}
    assert feeds[server.url("/atom.xml")] == ("ok", None)
    assert feeds[broken][0] == "error" and feeds[broken][1].startswith("malformed feed: SAXParseException")
    assert feeds[failing] == ("error", "unreachable: server answered HTTP 500 Internal Server Error")
    assert len(requests(postgres_url)) == 2


def test_the_cursor_survives_a_failed_tick_and_nothing_is_lost_or_made_twice(
    postgres_url: str, server: FeedServer, configure
) -> None:
    configure(server.url("/atom.xml"), server.url("/rss.xml"), feeds_per_tick="1")
    first = tick(postgres_url)
    assert len(requests(postgres_url)) == 2

    unreachable = postgres_url.rsplit("/", 1)[0] + "/va_no_such_database"
    with pytest.raises(Exception, match="va_no_such_database"):
        tick(unreachable, first.cursor)  # Dagster keeps the cursor of the last tick that succeeded

    second = tick(postgres_url, first.cursor)
    third = tick(postgres_url, second.cursor)
    assert set(requests(postgres_url)) == {"星河 X7 Pro 深度评测", "Launch day", "咖啡与实验室"}
    assert third.skip_reason is not None
    with session_scope(postgres_url) as session:
        assert session.scalar(select(func.count()).select_from(VideoRequest)) == 3


def test_feeds_cli_polls_once_and_lists_each_feeds_state(
    server: FeedServer, configure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    failing = server.serve("/500.xml", "oops", "text/plain", status=500)
    configure(server.url("/rss.xml"), failing, fetch_allow_hosts="127.0.0.1")

    assert main(["feeds", "poll"]) == 1  # a feed failed: the poll says so in its exit status
    polled = capsys.readouterr().out
    assert main(["feeds", "list"]) == 0
    listed = capsys.readouterr().out

    assert "1 new" in polled and "\n      request " in polled
    assert f"error {failing}  unreachable: server answered HTTP 500" in polled
    assert f"ok    {server.url('/rss.xml')}  entries=2 requests=1 rejected=1" in listed
    assert "unreachable: server answered HTTP 500" in listed


def test_an_entrys_images_and_videos_become_materials_through_the_guarded_fetch(
    postgres_url: str, server: FeedServer, configure, tmp_path: Path
) -> None:
    configure(server.url("/atom.xml"))
    tick(postgres_url)
    with session_scope(postgres_url) as session:
        request_id = session.scalars(select(VideoRequest.id).where(VideoRequest.title == "星河 X7 Pro 深度评测")).one()
    resources = pipeline_resources(postgres_url, None, "", tmp_path, [], allow_hosts=["127.0.0.1"])

    with dg.DagsterInstance.ephemeral() as instance:
        assert materialize([media_items], request_id, instance, resources).success

    with session_scope(postgres_url) as session:
        items = {item.source.rsplit("/", 1)[-1]: item for item in session.scalars(select(MediaItem))}
    assert {name: (item.status, item.kind, item.origin) for name, item in items.items()} == {
        "unbox.jpg": ("ready", "image", "markdown"),
        "charge.mp4": ("ready", "video", "markdown"),
    }
    assert "连续用了七天" in items["unbox.jpg"].context
