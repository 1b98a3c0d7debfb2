"""Offline SEO pass: three titles within platform limits, a description and 5-10 tags from the script's keywords."""

from __future__ import annotations

import re

from video_assets.scripting.models import Script, SeoMeta
from video_assets.scripting.seo_limits import title_limits
from video_assets.scripting.text import is_chinese, keywords

MIN_TAGS, MAX_TAGS = 5, 10
FALLBACK_TAGS_ZH = ("短视频", "干货分享", "涨知识", "推荐", "值得一看")
FALLBACK_TAGS_EN = ("shorts", "explained", "review", "tips", "mustwatch")
DESCRIPTION_CHARS = 200


def write_seo_offline(script: Script, article_title: str, language: str) -> SeoMeta:
    narration = "".join(scene.narration for scene in script.scenes)
    chinese = is_chinese(narration + article_title) if narration else language.lower().startswith("zh")
    joiner = "" if chinese else " "
    short_limit, medium_limit, long_limit = title_limits(language if not chinese else "zh")
    topic = re.split(r"[：:|｜—\-–(（]", article_title, maxsplit=1)[0].strip() or article_title.strip()
    tags = _tags(narration, article_title, chinese)
    separator = "｜" if chinese else " | "
    hook = re.sub(r"[。.！!]+$", "", script.hook)
    titles = [
        fit_title(topic, short_limit),
        fit_title(hook, medium_limit),
        fit_title(f"{article_title}{separator}{' '.join(tags[:3])}", long_limit),
    ]
    titles = _distinct(titles, tags, (short_limit, medium_limit, long_limit))
    body = _truncate(joiner.join(scene.narration for scene in script.scenes[1:4]), DESCRIPTION_CHARS)
    hashtags = " ".join(f"#{tag}" for tag in tags)
    description = f"{script.hook}{joiner}{body}\n{hashtags}"
    return SeoMeta(titles=titles, description=description, tags=tags)


def fit_title(text: str, limit: int) -> str:
    """Cut at the last clause boundary that fits (keeping ? and !), so a title never ends mid-word or mid-phrase."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max([head.rfind(mark) + 1 for mark in "？！?!"] + [head.rfind(mark) for mark in "。，、：:｜|;；,. "])
    return (head[:cut] if cut >= limit // 2 else head).rstrip(" ，、：:｜|,;；")


def _tags(narration: str, title: str, chinese: bool) -> list[str]:
    found = [tag for tag in keywords(narration, limit=MAX_TAGS * 2, boost_text=title) if len(tag) <= 20]
    # "#X7 Pro" is not a hashtag: platforms end a tag at the first space
    found = [tag.replace(" ", "") for tag in found]
    tags = [tag for tag in found if not tag.isdigit()][:MAX_TAGS]
    for fallback in FALLBACK_TAGS_ZH if chinese else FALLBACK_TAGS_EN:
        if len(tags) >= MIN_TAGS:
            break
        if fallback not in tags:
            tags.append(fallback)
    return tags


def _distinct(titles: list[str], tags: list[str], limits: tuple[int, int, int]) -> list[str]:
    """Three identical candidates are useless; vary a repeated title with a keyword (or a number as last resort)."""
    result: list[str] = []
    for title, limit in zip(titles, limits, strict=True):
        for tag in ["", *tags]:
            candidate = fit_title(f"{tag} {title}" if tag else title, limit)
            if candidate not in result:
                break
        else:
            candidate = f"{title[: limit - 2]} {len(result) + 1}"
        result.append(candidate)
    return result


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
