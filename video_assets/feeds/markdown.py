"""A feed entry's HTML as the Markdown a request carries: text, links, images as `![alt](url)` and videos as
`<video src>`, the two forms the media stage picks materials from, each with the text around it as context.

Links and media URLs are made absolute against the entry's address. Only http(s) media are kept: a feed is someone
else's document, and a `file://` or `s3://` reference in it must not reach our own files; what is left out is
reported. A link elsewhere than the web keeps only its text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit

from markdownify import MarkdownConverter

WEB_SCHEMES = ("http", "https")


@dataclass
class ConvertedEntry:
    markdown: str
    skipped_media: list[str] = field(default_factory=list)


class _EntryConverter(MarkdownConverter):
    def __init__(self, base_url: str, skipped: list[str], **options: Any) -> None:
        super().__init__(**options)
        self.base_url = base_url
        self.skipped = skipped

    def _media_url(self, raw: str | None) -> str | None:
        if not raw or not raw.strip():
            return None
        url = urljoin(self.base_url, raw.strip())
        if urlsplit(url).scheme.lower() not in WEB_SCHEMES:
            self.skipped.append(url)
            return None
        return url

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        # A link to anything but a web page (javascript:, file:) keeps only its text.
        raw = (el.attrs.get("href") or "").strip()
        href = urljoin(self.base_url, raw) if raw else ""
        el.attrs["href"] = href if urlsplit(href).scheme.lower() in WEB_SCHEMES else ""
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        # WeChat articles lazy-load: the picture is in data-src and src is a placeholder.
        url = self._media_url(el.attrs.get("data-src") or el.attrs.get("src"))
        if url is None:
            return ""
        alt = " ".join((el.attrs.get("alt") or "").split()).replace("]", "")
        return f"\n\n![{alt}]({url.replace(')', '%29').replace(' ', '%20')})\n\n"

    def convert_video(self, el: Any, text: str, parent_tags: set[str]) -> str:
        source = el.attrs.get("src") or el.attrs.get("data-src")
        if not source:
            first = el.find("source", attrs={"src": True})
            source = first.attrs.get("src") if first is not None else None
        url = self._media_url(source)
        return f'\n\n<video src="{escape(url)}"></video>\n\n' if url else text


def entry_markdown(html: str, base_url: str) -> ConvertedEntry:
    skipped: list[str] = []
    converter = _EntryConverter(base_url, skipped, heading_style="ATX", bullets="-", strip=["iframe", "form"])
    markdown = converter.convert(html)
    lines = [line.rstrip() for line in markdown.splitlines()]
    collapsed = "\n".join(lines)
    while "\n\n\n" in collapsed:
        collapsed = collapsed.replace("\n\n\n", "\n\n")
    return ConvertedEntry(markdown=collapsed.strip(), skipped_media=skipped)
