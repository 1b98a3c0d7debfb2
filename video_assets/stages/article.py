"""The request's article, parsed once and kept in the object store next to the stage that parsed it."""

from __future__ import annotations

from video_assets.media import Article, parse_article
from video_assets.storage import ObjectStore, request_key


def article_key(request_id: str) -> str:
    return request_key(request_id, "media_items", "article.json")


def stored_article(store: ObjectStore, request_id: str, markdown: str) -> Article:
    """The parsed article: media_items parses and stores it, every later reader (a retry, the later stages, the
    checks) loads it. Parsing is linear but still the costliest text work of a request, so it happens once."""
    key = article_key(request_id)
    if store.exists(key):
        return Article.model_validate_json(store.get_bytes(key))
    article = parse_article(markdown)
    store.put_bytes(key, article.model_dump_json().encode(), "application/json")
    return article
