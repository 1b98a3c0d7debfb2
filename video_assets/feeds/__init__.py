"""Feed ingestion domain: fetch and read RSS/Atom feeds, and turn each entry into a video request."""

from video_assets.feeds.document import Feed, FeedError, FeedItem, fetch_feed, parse_feed
from video_assets.feeds.entries import EntryRejected, EntryRequest, entry_request, idempotency_key
from video_assets.feeds.markdown import entry_markdown

__all__ = [
    "EntryRejected",
    "EntryRequest",
    "Feed",
    "FeedError",
    "FeedItem",
    "entry_markdown",
    "entry_request",
    "fetch_feed",
    "idempotency_key",
    "parse_feed",
]
