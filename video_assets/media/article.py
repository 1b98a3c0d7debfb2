"""The article parsed once per request: its readable text, block by block, and the images and videos it embeds.

markdown-it-py (CommonMark plus tables and strikethrough) parses the Markdown. HTML, inline or in blocks, is read
with markdown-it's own inline HTML rule, which only ever yields complete tags, and the attributes of each media tag
with the standard library's html.parser. Both take time linear in the input, so an article of unclosed constructs
costs what an ordinary article of the same size does; html.parser is never given an unclosed tag, on which it is
quadratic. The stages store the result (video_assets/stages/article.py) and never parse the article again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import BaseModel

_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_SPACES = re.compile(r"[^\S\n]+")
# An address read aloud or quoted as context is noise. Linear: `\S+` runs to the next space and never backtracks.
_URL = re.compile(r"https?://\S+")
_MEDIA_TAGS = frozenset({"img", "video", "source"})
# Their content is code or styling, not article text.
_HIDDEN_TAGS = frozenset({"script", "style"})


def _markdown_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Addresses stay as written: gather validates every one and gives a reason for those it refuses, where
    # markdown-it would silently turn a file: or javascript: image into text, and would percent-encode the rest.
    parser.validateLink = lambda url: True
    parser.normalizeLink = lambda url: url
    return parser


_MARKDOWN = _markdown_parser()


class EmbeddedMedia(BaseModel):
    uri: str
    description: str | None
    block: int
    offset: int  # where in the block's text the material sits


class Article(BaseModel):
    blocks: list[str]  # readable text of each paragraph, heading, table cell or HTML block, in document order
    media: list[EmbeddedMedia]

    @property
    def text(self) -> str:
        """The whole article as plain text, one paragraph per block."""
        squashed = (_SPACES.sub(" ", block).strip() for block in self.blocks)
        return "\n\n".join(block for block in squashed if block)


def parse_article(markdown: str) -> Article:
    reader = _Reader()
    references: dict[str, Any] = {}
    for token in _MARKDOWN.parse(markdown, references):
        if token.type == "inline":
            reader.read(token.children or [])
        elif token.type == "html_block":
            reader.read(_MARKDOWN.parseInline(token.content, references)[0].children or [])
        else:
            continue
        reader.end_block()
    return Article(blocks=reader.blocks, media=reader.media)


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.media: list[EmbeddedMedia] = []
        self._parts: list[str] = []
        self._length = 0
        self._hidden = 0
        self._inside_video = False

    def read(self, tokens: Sequence[Token]) -> None:
        for token in tokens:
            if token.type in ("text", "code_inline"):
                self._add_text(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                self._add_text("\n")
            elif token.type == "image":
                alt = "".join(child.content for child in token.children or [] if child.type == "text")
                self._add_media(str(token.attrs.get("src", "")), alt, str(token.attrs.get("title", "")))
            elif token.type == "html_inline":
                self._add_tag(token.content)
            elif token.type == "link_open" and token.markup == "autolink":
                self._hidden += 1
            elif token.type == "link_close" and token.markup == "autolink":
                self._hidden -= 1

    def end_block(self) -> None:
        self.blocks.append("".join(self._parts))
        self._parts, self._length, self._hidden = [], 0, 0

    def _add_text(self, text: str) -> None:
        if not self._hidden:
            piece = _SPACES.sub(" ", _URL.sub("", text))
            self._parts.append(piece)
            self._length += len(piece)

    def _add_media(self, uri: str, *descriptions: str) -> None:
        if uri:
            description = next((text.strip() for text in descriptions if text.strip()), None)
            self.media.append(
                EmbeddedMedia(uri=uri, description=description, block=len(self.blocks), offset=self._length)
            )

    def _add_tag(self, tag: str) -> None:
        match = _TAG_NAME.match(tag)
        if match is None:
            return  # a comment, declaration or processing instruction
        name, closing = match.group(1).lower(), tag.startswith("</")
        if name in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1) if closing else self._hidden + 1
        elif name == "video" and closing:
            self._inside_video = False
        elif name in _MEDIA_TAGS and not closing:
            self._inside_video = self._inside_video or name == "video"
            if name == "source" and not self._inside_video:
                return
            attributes = _tag_attributes(tag)
            # WeChat articles lazy-load images: the real URL is in data-src and src is a placeholder.
            uri = attributes.get("data-src") or attributes.get("src") or ""
            self._add_media(uri, attributes.get("alt", ""), attributes.get("title", ""))


class _AttributeReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            self.attributes.setdefault(name, (value or "").strip())  # the first of repeated attributes counts


def _tag_attributes(tag: str) -> dict[str, str]:
    """Attributes of one complete start tag, names lower-cased and entities decoded."""
    reader = _AttributeReader()
    reader.feed(tag)
    reader.close()
    return reader.attributes
