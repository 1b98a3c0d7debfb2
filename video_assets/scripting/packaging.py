"""Fit a video's SEO copy into each platform's rules: a title that fits, tags the platform takes, and hashtags
written the platform's way, in the description or left to its tag field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from video_assets.platforms import PLATFORMS, PlatformRules
from video_assets.scripting.models import PlatformPackage

_HASHTAG = re.compile(r"#[^\s#]+(?:\[话题\]#)?")


def fit_title(text: str, limit: int) -> str:
    """Cut at the last clause boundary that fits (keeping ? and !), so a title never ends mid-word or mid-phrase."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max([head.rfind(mark) + 1 for mark in "？！?!"] + [head.rfind(mark) for mark in "。，、：:｜|;；,. "])
    return (head[:cut] if cut >= limit // 2 else head).rstrip(" ，、：:｜|,;；")


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a sentence end when one is in the second half, else with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(mark) + 1 for mark in "。！？!?")
    return head[:cut] if cut >= limit // 2 else head[: limit - 1].rstrip() + "…"


def choose_title(rules: PlatformRules, candidates: Sequence[str]) -> str:
    """The longest candidate the platform takes (it says the most); else the first one, cut to fit."""
    fitting = [title for title in candidates if rules.title_min <= len(title) <= rules.title_max]
    if fitting:
        return max(fitting, key=len)
    longer = [title for title in candidates if len(title) > rules.title_max]
    return fit_title(longer[0], rules.title_max) if longer else max(candidates, key=len)


def platform_tags(rules: PlatformRules, tags: Sequence[str]) -> list[str]:
    """Tags as the platform takes them: no '#', no spaces, not too long, no repeats, at most its count."""
    cleaned = (re.sub(r"[\s#]+", "", tag) for tag in tags)
    fitting = [tag for tag in cleaned if tag and len(tag) <= rules.tag_max_chars]
    return list(dict.fromkeys(fitting))[: rules.max_tags]


def compose_description(rules: PlatformRules, body: str, tags: list[str]) -> str:
    """The body, cut to leave room for the hashtags, then the hashtags on their own line where the platform wants
    them; a body's own hashtags are removed so that tags appear once and only the platform's way."""
    plain = re.sub(r"[ \t]+\n", "\n", _HASHTAG.sub("", body)).strip()
    tail = rules.hashtags(tags) if rules.tags_in_description and tags else ""
    room = rules.description_max - (len(tail) + 1 if tail else 0)
    text = truncate(plain, room)
    return f"{text}\n{tail}" if tail and text else tail or text


def package_for(platform: str, titles: Sequence[str], body: str, tags: Sequence[str]) -> PlatformPackage:
    rules = PLATFORMS[platform]
    chosen = platform_tags(rules, tags)
    return PlatformPackage(
        title=choose_title(rules, titles), description=compose_description(rules, body, chosen), tags=chosen
    )
