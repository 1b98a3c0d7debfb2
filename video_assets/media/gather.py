"""Collect the materials of a request: its explicit list plus every image/video embedded in the article, each with
the article text around it as context. Works on the parsed article (video_assets/media/article.py), never on the
Markdown itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal, NamedTuple
from urllib.parse import unquote, urlsplit

from video_assets.media.article import Article, EmbeddedMedia
from video_assets.request_schema import MAX_MATERIALS, Material, validate_material_uri

CONTEXT_CHARS = 500
# Below this much text around a material, the neighbouring paragraphs are taken too (an image alone on its line).
_THIN_CONTEXT_CHARS = 80

Origin = Literal["request", "markdown"]


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
class _Candidate:
    uri: str
    description: str | None
    origin: Origin
    shown: EmbeddedMedia | None  # where the article shows it


def gather_materials(spec_materials: list[Material], article: Article) -> GatheredMaterials:
    """Request materials first, then the article's in document order; duplicates (same URI) keep the first
    occurrence, which inherits a description from a later duplicate if it has none. Materials over MAX_MATERIALS
    and article URIs with an unusable scheme come back in `rejected` with a reason."""
    first_shown: dict[str, EmbeddedMedia] = {}
    for media in article.media:
        first_shown.setdefault(media.uri, media)
    candidates = [_Candidate(m.uri, m.description, "request", first_shown.get(m.uri)) for m in spec_materials]
    rejected: list[RejectedSource] = []
    for media in article.media:
        try:
            validate_material_uri(media.uri)
        except ValueError as error:
            rejected.append(RejectedSource(media.uri, f"unusable material URI in the article: {error}", "markdown"))
            continue
        candidates.append(_Candidate(media.uri, media.description, "markdown", media))
    unique = _deduplicate(candidates)
    for extra in unique[MAX_MATERIALS:]:
        reason = f"more than {MAX_MATERIALS} materials in the request; only the first {MAX_MATERIALS} are used"
        rejected.append(RejectedSource(extra.uri, reason, extra.origin))
    # Context only for the materials kept: its cost stays bounded however many the article embeds.
    accepted = [
        MaterialSource(item.uri, item.description, _context_for(item, article), item.origin)
        for item in unique[:MAX_MATERIALS]
    ]
    return GatheredMaterials(accepted, rejected)


def _deduplicate(candidates: list[_Candidate]) -> list[_Candidate]:
    kept: dict[str, _Candidate] = {}
    for candidate in candidates:
        first = kept.get(candidate.uri)
        if first is None:
            kept[candidate.uri] = candidate
        elif first.description is None and candidate.description:
            kept[candidate.uri] = _Candidate(first.uri, candidate.description, first.origin, first.shown)
    return list(kept.values())


def _context_for(item: _Candidate, article: Article) -> str:
    """Around where the article shows the material or, failing that, mentions its file name; else its description."""
    if item.shown is not None:
        return _context_around(article.blocks, item.shown.block, item.shown.offset)
    name = _file_name(item.uri)
    if len(name) >= 3:
        for index, block in enumerate(article.blocks):
            position = block.find(name)
            if position >= 0:
                # The file name stays in the text: "the demo reel is in teaser.mp4" reads better without a gap.
                return _context_around(article.blocks, index, position)
    return item.description or ""


def _file_name(uri: str) -> str:
    return PurePosixPath(unquote(urlsplit(uri).path.replace("\\", "/"))).name


def _context_around(blocks: list[str], index: int, offset: int) -> str:
    """Text of the block around `offset`, centred on it; the neighbouring blocks too when it has little text."""
    block = blocks[index]
    before = _squash(block[max(0, offset - CONTEXT_CHARS) : offset])
    after = _squash(block[offset : offset + CONTEXT_CHARS])
    if len(before) + len(after) < _THIN_CONTEXT_CHARS:
        if index > 0:
            before = _join(_squash(blocks[index - 1][-CONTEXT_CHARS:]), before)
        if index + 1 < len(blocks):
            after = _join(after, _squash(blocks[index + 1][:CONTEXT_CHARS]))
    before_budget = max(CONTEXT_CHARS // 2, CONTEXT_CHARS - len(after))
    before = before[-before_budget:]
    after = after[: max(0, CONTEXT_CHARS - len(before) - 1)]
    return _join(before, after)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip()
