"""Collect the materials of a request: its explicit list plus every image/video embedded in the Markdown,
each with the article text around it as context."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal, NamedTuple
from urllib.parse import unquote, urlsplit

from video_assets.request_schema import MAX_MATERIALS, Material, validate_material_uri

CONTEXT_CHARS = 500
# Below this much text around a material, the neighbouring paragraphs are taken too (an image alone on its line).
_THIN_CONTEXT_CHARS = 80

Origin = Literal["request", "markdown"]

_FENCED_CODE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MD_IMAGE = re.compile(r"""!\[([^\]]*)\]\(\s*<?([^\s)>]+)>?(?:\s+(?:"([^"]*)"|'([^']*)'))?\s*\)""")
_MD_IMAGE_REF = re.compile(r"!\[([^\]]*)\]\[([^\]]*)\]")
_MD_REF_DEF = re.compile(r"""^[ ]{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+(?:"([^"]*)"|'([^']*)'))?[ \t]*$""", re.MULTILINE)
_HTML_MEDIA_TAG = re.compile(r"<(/?)(img|video|source)\b([^>]*)>", re.IGNORECASE)
_HTML_ATTR = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_ANY_TAG = re.compile(r"<[^>]+>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_LINE_MARKS = re.compile(r"^[ \t]*(?:#{1,6}|>|[-*+]|\d+\.)[ \t]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(?<!\w)[*_~]{1,3}|[*_~]{1,3}(?!\w)")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class MaterialSource:
    uri: str
    description: str | None
    context: str
    origin: Origin


@dataclass(frozen=True)
class RejectedSource:
    uri: str
    reason: str
    origin: Origin


class GatheredMaterials(NamedTuple):
    accepted: list[MaterialSource]
    rejected: list[RejectedSource]


@dataclass(frozen=True)
class _Embedded:
    start: int
    end: int
    uri: str
    description: str | None


def gather_materials(spec_materials: list[Material], markdown: str) -> GatheredMaterials:
    """Request materials first, then Markdown ones in document order; duplicates (same URI) keep the first
    occurrence, which inherits a description from a later duplicate if it has none. Materials over MAX_MATERIALS
    and Markdown URIs with an unusable scheme come back in `rejected` with a reason."""
    # Context comes from prose with fenced code blanked out; media are searched with inline code blanked too.
    prose = _blank(_FENCED_CODE, markdown)
    paragraphs = _paragraph_spans(prose)
    embedded = _embedded_media(_blank(_INLINE_CODE, prose))
    candidates: list[MaterialSource] = []
    rejected: list[RejectedSource] = []
    for material in spec_materials:
        context = _request_material_context(material.uri, prose, paragraphs, embedded) or material.description or ""
        candidates.append(MaterialSource(material.uri, material.description, context, "request"))
    for item in embedded:
        try:
            validate_material_uri(item.uri)
        except ValueError as error:
            rejected.append(RejectedSource(item.uri, f"unusable material URI in the article: {error}", "markdown"))
            continue
        context = _context_around(prose, paragraphs, item.start, item.end)
        candidates.append(MaterialSource(item.uri, item.description, context, "markdown"))
    unique = _deduplicate(candidates)
    for extra in unique[MAX_MATERIALS:]:
        reason = f"more than {MAX_MATERIALS} materials in the request; only the first {MAX_MATERIALS} are used"
        rejected.append(RejectedSource(extra.uri, reason, extra.origin))
    return GatheredMaterials(unique[:MAX_MATERIALS], rejected)


def _deduplicate(candidates: list[MaterialSource]) -> list[MaterialSource]:
    kept: dict[str, MaterialSource] = {}
    for candidate in candidates:
        first = kept.get(candidate.uri)
        if first is None:
            kept[candidate.uri] = candidate
        elif first.description is None and candidate.description:
            kept[candidate.uri] = MaterialSource(first.uri, candidate.description, first.context, first.origin)
    return list(kept.values())


# --- finding embedded media --------------------------------------------------------------------------------------


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """Blank out matches with spaces, keeping offsets and line breaks, so examples in code are not materials."""
    return pattern.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)


def _embedded_media(masked: str) -> list[_Embedded]:
    found = [_markdown_image(match) for match in _MD_IMAGE.finditer(masked)]
    references = {m.group(1).strip().lower(): m for m in _MD_REF_DEF.finditer(masked)}
    for match in _MD_IMAGE_REF.finditer(masked):
        definition = references.get((match.group(2) or match.group(1)).strip().lower())
        if definition is not None:
            description = _text_or_none(match.group(1), definition.group(3) or definition.group(4))
            found.append(_Embedded(match.start(), match.end(), definition.group(2), description))
    found += _html_media(masked)
    return sorted(found, key=lambda item: item.start)


def _markdown_image(match: re.Match[str]) -> _Embedded:
    title = match.group(3) or match.group(4)
    return _Embedded(match.start(), match.end(), html.unescape(match.group(2)), _text_or_none(match.group(1), title))


def _html_media(masked: str) -> list[_Embedded]:
    found: list[_Embedded] = []
    inside_video = False
    for match in _HTML_MEDIA_TAG.finditer(masked):
        closing, tag, attributes = match.group(1), match.group(2).lower(), _attributes(match.group(3))
        if tag == "video":
            inside_video = not closing
        if closing:
            continue
        # WeChat articles lazy-load images: the real URL is in data-src and src is a placeholder.
        uri = attributes.get("data-src") or attributes.get("src")
        if not uri or (tag == "source" and not inside_video):
            continue
        description = _text_or_none(attributes.get("alt", ""), attributes.get("title"))
        found.append(_Embedded(match.start(), match.end(), uri, description))
    return found


def _attributes(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(next(g for g in m.groups()[1:] if g is not None)).strip()
        for m in _HTML_ATTR.finditer(text)
    }


def _text_or_none(*texts: str | None) -> str | None:
    return next((text.strip() for text in texts if text and text.strip()), None)


# --- context -----------------------------------------------------------------------------------------------------


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _context_around(markdown: str, paragraphs: list[tuple[int, int]], start: int, end: int) -> str:
    """Plain text of the paragraph around [start, end), centred on it; neighbours too when it has little text."""
    index = next(i for i, (p_start, p_end) in enumerate(paragraphs) if p_start <= start <= p_end)
    p_start, p_end = paragraphs[index]
    before, after = plain_text(markdown[p_start:start]), plain_text(markdown[end:p_end])
    if len(before) + len(after) < _THIN_CONTEXT_CHARS:
        if index > 0:
            before = _join(plain_text(markdown[slice(*paragraphs[index - 1])]), before)
        if index + 1 < len(paragraphs):
            after = _join(after, plain_text(markdown[slice(*paragraphs[index + 1])]))
    half = CONTEXT_CHARS // 2
    before_budget = max(half, CONTEXT_CHARS - len(after))
    before = before[-before_budget:] if len(before) > before_budget else before
    after = after[: max(0, CONTEXT_CHARS - len(before) - 1)]
    return _join(before, after)


def _request_material_context(
    uri: str, prose: str, paragraphs: list[tuple[int, int]], embedded: list[_Embedded]
) -> str:
    """Where the article shows the material itself or, failing that, mentions its file name."""
    shown = next((item for item in embedded if item.uri == uri), None)
    if shown is not None:
        return _context_around(prose, paragraphs, shown.start, shown.end)
    name = _file_name(uri)
    position = prose.find(name) if len(name) >= 3 else -1
    if position < 0:
        return ""
    # An empty span keeps the file name itself in the text: "the demo reel is in teaser.mp4" reads better without a gap.
    return _context_around(prose, paragraphs, position, position)


def _file_name(uri: str) -> str:
    return PurePosixPath(unquote(urlsplit(uri).path.replace("\\", "/"))).name


def plain_text(markdown: str) -> str:
    """Markdown/HTML fragment to one line of readable text: no images, tags, link targets or emphasis marks."""
    text = _MD_IMAGE.sub(" ", _MD_IMAGE_REF.sub(" ", markdown))
    text = _MD_REF_DEF.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _ANY_TAG.sub(" ", text)
    text = _MD_EMPHASIS.sub("", _MD_LINE_MARKS.sub("", text))
    return _WHITESPACE.sub(" ", html.unescape(text)).strip()


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip()
