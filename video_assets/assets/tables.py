"""Markdown tables for asset metadata previews in the Dagster UI, with small images inlined as `data:` URIs.

The UI's Markdown renderer shows `![alt](data:image/jpeg;base64,...)` as an image but strips raw HTML such as
`<img>`, so previews are Markdown images. An inline image needs no link: it never expires and names no host the
browser may not resolve, unlike a presigned S3 URL or a `file://` path. Every cell goes through
`video_assets.safe_markdown.cell`: text from requests and models renders as text; only our own `Markup` stays live.
"""

from __future__ import annotations

from collections.abc import Sequence

from video_assets.labels import one_line
from video_assets.render.preview import PreviewError, preview_data_uri
from video_assets.safe_markdown import Markup, cell, escape, image, link
from video_assets.storage import ObjectStore, ObjectStoreError
from video_assets.ui_links import PartitionPages

MAX_INLINE_IMAGES = 50  # per table: 50 previews of 2-7 KB keep one materialization's metadata small
MAX_CELL_CHARS = 300


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(escape(header) for header in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def material_ref(material_id: int) -> str:
    """How every stage names a material: its media_items row id, so one search finds it on every asset page."""
    return f"#{material_id}"


def material_link(pages: PartitionPages, material_id: int, asset: str = "media_items") -> Markup:
    """A material's #id linking to the request's page of `asset`, where a row carries the same #id."""
    return link(material_ref(material_id), pages.asset(asset))


def clip(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """Long model output shortened for a table cell; the full text stays in the database row."""
    return one_line(text, limit)


class InlineImages:
    """Preview cells for one table: inline images up to `limit`, then a note, so a huge request stays small.
    A preview that cannot be made says why instead of failing the step: metadata must not undo finished work."""

    def __init__(self, store: ObjectStore, limit: int = MAX_INLINE_IMAGES) -> None:
        self.store = store
        self.limit = limit
        self.shown = 0

    def cell(self, key: str | None, alt: str) -> str:
        if not key:
            return "-"
        if self.shown >= self.limit:
            return f"(first {self.limit} previews shown)"
        try:
            uri = preview_data_uri(self.store.get_bytes(key))
        except (PreviewError, ObjectStoreError) as error:
            return clip(f"no preview: {error}", 120)
        self.shown += 1
        return image(alt, uri)
