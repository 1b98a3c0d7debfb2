"""Offline SEO pass: three titles, a description and 5-10 tags from the request's tags and the script's keywords,
then each target platform's package within that platform's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce

from video_assets.platforms import DEFAULT_PLATFORMS
from video_assets.scripting.models import Script, SeoMeta
from video_assets.scripting.packaging import fit_title, package_for, truncate
from video_assets.scripting.seo_limits import title_limits
from video_assets.scripting.text import bound_tokens, is_chinese, keywords
from video_assets.scripting.word_cuts import join_narration

MIN_TAGS, MAX_TAGS = 5, 10
FALLBACK_TAGS_ZH = ("短视频", "干货分享", "涨知识", "推荐", "值得一看")
FALLBACK_TAGS_EN = ("shorts", "explained", "review", "tips", "mustwatch")
DESCRIPTION_CHARS = 200


def write_seo_offline(
    script: Script,
    article_title: str,
    language: str,
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
    seed_tags: Sequence[str] = (),
) -> SeoMeta:
    """`seed_tags` (the request's own tags, then the materials' analysis keywords) come before the script's."""
    article_title = bound_tokens(article_title)
    narration = "".join(scene.narration for scene in script.scenes)
    chinese = is_chinese(narration + article_title) if narration else language.lower().startswith("zh")
    short_limit, medium_limit, long_limit = title_limits(language if not chinese else "zh")
    topic = re.split(r"[：:|｜—\-–(（]", article_title, maxsplit=1)[0].strip() or article_title.strip()
    tags = _tags(narration, article_title, chinese, seed_tags)
    separator = "｜" if chinese else " | "
    # Every candidate is built on the article's own title: a platform's title is also written on its cover, and a
    # sentence from the middle of the article (the hook may quote one) is no title.
    titles = [
        fit_title(topic, short_limit),
        fit_title(article_title, medium_limit),
        fit_title(f"{article_title}{separator}{' '.join(tags[:3])}", long_limit),
    ]
    titles = _distinct(titles, tags, (short_limit, medium_limit, long_limit))
    body = truncate(_joined([scene.narration for scene in script.scenes[1:4]]), DESCRIPTION_CHARS)
    hashtags = " ".join(f"#{tag}" for tag in tags)
    summary = _joined([script.hook, body])
    packages = {platform: package_for(platform, titles, summary, tags) for platform in platforms}
    return SeoMeta(titles=titles, description=f"{summary}\n{hashtags}", tags=tags, platforms=packages)


def _tags(narration: str, title: str, chinese: bool, seed_tags: Sequence[str]) -> list[str]:
    found = [tag for tag in keywords(narration, limit=MAX_TAGS * 2, boost_text=title) if len(tag) <= 20]
    # "#X7 Pro" is not a hashtag: platforms end a tag at the first space
    found = [tag.replace(" ", "") for tag in [*seed_tags, *found]]
    tags = list(dict.fromkeys(tag for tag in found if tag and not tag.isdigit() and len(tag) <= 20))[:MAX_TAGS]
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


def _joined(texts: list[str]) -> str:
    """Narrations as one text, glued where Chinese meets and spaced where Latin words would otherwise run together
    (two bounded pieces of one long token would make one unbounded run again)."""
    return reduce(join_narration, [text for text in texts if text]) if any(texts) else ""
