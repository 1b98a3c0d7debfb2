"""Fetch an RSS or Atom document through the same guarded download as materials, and read it with feedparser."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import feedparser

from video_assets.media import FetchPolicy, MaterialRejected, fetch_material

# A feed is text: what the sniffer calls it depends only on how the document starts (`<?xml`, `<rss`, BOM...).
FEED_TYPES = {"application/xml": "xml", "text/plain": "xml", "text/html": "html"}
# A tick has 60 s; feeds are fetched in parallel, so each one must give up well inside that.
FEED_FETCH_LIMITS = {"connect_timeout": 5.0, "read_timeout": 10.0, "total_timeout": 20.0, "max_bytes": 10 * 2**20}
# feedparser sets `bozo` for these too, yet the entries it read are sound.
HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
MEDIA_KINDS = ("image/", "video/")


class FeedError(Exception):
    """The feed could not be read; the message is the reason recorded on its `feeds` row."""

    def __init__(self, reason: str, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class FeedItem:
    entry_id: str
    updated: str | None
    title: str
    html: str
    base_url: str
    categories: list[str]
    enclosures: list[str] = field(default_factory=list)  # media attached to the entry rather than in its HTML


@dataclass(frozen=True)
class Feed:
    url: str
    title: str
    language: str | None
    items: list[FeedItem]


def fetch_feed(url: str, policy: FetchPolicy) -> bytes:
    with tempfile.TemporaryDirectory(prefix="feed-") as workdir:
        try:
            fetched = fetch_material(url, Path(workdir), replace(policy, **FEED_FETCH_LIMITS), accepted=FEED_TYPES)
        except MaterialRejected as error:
            raise FeedError(f"unreachable: {error}", transient=error.transient) from error
        return fetched.path.read_bytes()


def parse_feed(url: str, content: bytes) -> Feed:
    # Relative links and media in an entry's HTML are resolved by our Markdown converter against the entry's base;
    # feedparser resolving them too re-parses every entry's HTML and doubles the parse of a large feed.
    parsed = feedparser.parse(
        content, sanitize_html=False, resolve_relative_uris=False, response_headers={"content-location": url}
    )
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(problem, HARMLESS):
        raise FeedError(f"malformed feed: {type(problem).__name__}: {problem}")
    if not parsed.get("version"):
        raise FeedError("malformed feed: not an RSS or Atom document")
    meta = parsed.get("feed", {})
    return Feed(
        url=url,
        title=str(meta.get("title") or url),
        language=meta.get("language"),
        items=[_item(entry, meta.get("link") or url) for entry in parsed.get("entries", [])],
    )


def _item(entry: Any, feed_link: str) -> FeedItem:
    title = " ".join(str(entry.get("title") or "").split())
    link = entry.get("link") or ""
    entry_id = str(entry.get("id") or link or "")
    if not entry_id and title:
        # No id and no link: the title and date are all that tell this entry apart.
        entry_id = "title:" + hashlib.sha256(f"{title}|{entry.get('published', '')}".encode()).hexdigest()
    contents = entry.get("content") or []
    html_content = next((c for c in contents if "html" in str(c.get("type", ""))), contents[0] if contents else None)
    detail = html_content or entry.get("summary_detail") or {}
    return FeedItem(
        entry_id=entry_id,
        # Asked for directly, feedparser maps a missing `updated` to `published` with a deprecation warning.
        updated=entry["updated"] if "updated" in entry else entry.get("published"),
        title=title,
        html=str(detail.get("value") or entry.get("summary") or ""),
        base_url=str(detail.get("base") or link or feed_link),
        categories=[str(tag.get("term") or tag.get("label") or "").strip() for tag in entry.get("tags", [])],
        enclosures=_enclosures(entry),
    )


def _enclosures(entry: Any) -> list[str]:
    found = [
        link.get("href")
        for link in entry.get("links", [])
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith(MEDIA_KINDS)
    ]
    found += [
        media.get("url")
        for media in entry.get("media_content", [])
        if str(media.get("type") or media.get("medium", "")).startswith(("image", "video"))
    ]
    return list(dict.fromkeys(url for url in found if url))
