"""One feed entry as one video request: its article as Markdown, its media as materials, its categories as tags."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import ValidationError

from video_assets.feeds.document import Feed, FeedItem
from video_assets.feeds.markdown import WEB_SCHEMES, entry_markdown
from video_assets.media.article import parse_article
from video_assets.request_schema import MAX_MATERIALS, VideoRequestSpec
from video_assets.scripting.text import is_chinese

MAX_TITLE_CHARS = 200
MAX_TAGS, MAX_TAG_CHARS = 20, 40


class EntryRejected(ValueError):
    """This entry cannot become a request; the message is the reason recorded on its `feed_entries` row."""


@dataclass(frozen=True)
class EntryRequest:
    idempotency_key: str
    spec: VideoRequestSpec
    note: str | None  # what was left out of the request, if anything


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def idempotency_key(feed_url: str, item: FeedItem, update: bool = False) -> str:
    """feed + entry id, hashed into the request key's alphabet and length. A request for an update of an entry
    already requested (when updates are configured to make requests) adds its `updated` date."""
    key = f"feed:{_digest(feed_url, 12)}:{_digest(item.entry_id, 24)}"
    return f"{key}:{_digest(item.updated or '', 8)}" if update else key


def entry_request(feed: Feed, item: FeedItem, update: bool = False) -> EntryRequest:
    if not item.entry_id:
        raise EntryRejected("the entry has no id, link or title to tell it apart")
    converted = entry_markdown(item.html, item.base_url)
    text = parse_article(converted.markdown).text
    if not text.strip() and not item.title:
        raise EntryRejected("the entry has no title and no text")
    title = (item.title or text.strip().splitlines()[0])[:MAX_TITLE_CHARS]
    markdown = converted.markdown or title
    materials = [{"uri": url} for url in item.enclosures if urlsplit(url).scheme.lower() in WEB_SCHEMES]
    skipped = converted.skipped_media + [url for url in item.enclosures if {"uri": url} not in materials]
    tags = [tag[:MAX_TAG_CHARS] for tag in dict.fromkeys(item.categories) if tag][:MAX_TAGS]
    key = idempotency_key(feed.url, item, update)
    try:
        spec = VideoRequestSpec(
            title=title,
            markdown=markdown,
            materials=materials[:MAX_MATERIALS],
            language="zh" if is_chinese(item.title + text) else "en",
            tags=tags,
            idempotency_key=key,
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in error.errors()[:5])
        raise EntryRejected(f"the entry is not a valid request: {problems}") from error
    notes = []
    if skipped:
        notes.append(f"left out {len(skipped)} media that are not http(s): {', '.join(skipped[:5])}")
    if len(materials) > MAX_MATERIALS:
        notes.append(f"kept the first {MAX_MATERIALS} of {len(materials)} attached media")
    return EntryRequest(key, spec, "; ".join(notes) or None)
