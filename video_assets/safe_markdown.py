"""Markdown for the Dagster UI in which text from requests and models is inert.

A material description, an LLM reply or a file name can hold `![x](http://outside/pixel.png)`, `<img src=...>` or a
bare URL; rendered as Markdown, that would make every operator's browser fetch an outside address, or put a link
there the operator did not choose. So every piece of such text goes through `escape`, and only Markdown this project
writes itself (`Markup`: links to our own UI and object store, inline `data:` previews) stays live.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote

# CommonMark lets a backslash escape exactly the ASCII punctuation characters, and every Markdown, GFM and HTML
# construct (links, images, tags, entities, emphasis, code spans, autolinks, table pipes) starts with or needs one.
_ESCAPED = frozenset(string.punctuation)
# Characters a URL we build keeps as they are; anything else (spaces, parentheses, angle brackets) is percent-encoded
# so that it cannot end the Markdown link destination early.
_URL_SAFE = ":/?#[]@!$&'*+,;=%-._~"
# The UI's GFM renderer turns bare `http(s)://`, `www.` and `name@host` text into links after escapes are resolved, so
# a backslash cannot stop it; an invisible WORD JOINER inside each of those patterns does, and the text reads the same.
_WORD_JOINER = "\u2060"
_AUTOLINKS = re.compile(r"(?i)(?<=https:)(?=//)|(?<=http:)(?=//)|(?<=www)(?=\.)|(?=@)")


class Markup(str):
    """Markdown this project wrote itself, passed to the UI as it is: never build one from request or model text
    except through `escape`, `link` or `image`."""


def escape(text: object) -> str:
    """`text` as Markdown that reads as exactly that text, on one line: every ASCII punctuation character is
    backslash-escaped, so nothing in it can form a link, an image, an HTML tag or entity, an autolink, emphasis or a
    table cell boundary; line breaks become spaces, so nothing in it can start a block (heading, list, quote)."""
    flat = _AUTOLINKS.sub(_WORD_JOINER, " ".join(str(text).split()))
    return "".join("\\" + char if char in _ESCAPED else char for char in flat)


def link(label: object, url: str) -> Markup:
    """A link to an address this project built (its own UI, its own object store)."""
    return Markup(f"[{escape(label)}]({quote(url, safe=_URL_SAFE)})")


def image(alt: object, data_uri: str) -> Markup:
    """An inline preview; only `data:` URIs, which make the browser fetch nothing."""
    if not data_uri.startswith("data:image/"):
        raise ValueError("inline previews must be data:image/ URIs, never an address the browser would fetch")
    return Markup(f"![{escape(alt)}]({data_uri})")


def cell(value: object) -> str:
    """One Markdown table cell: our own Markup as it is, anything else escaped."""
    return str(value) if isinstance(value, Markup) else escape(value)
