"""Checks and safe repairs of model-written SEO copy. Surplus titles and tags are cut and hashtags are written our
way for each platform; a platform title of the wrong length becomes a re-ask message, never a cut title."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from video_assets.llm.script_validation import InvalidOutput, parse_model
from video_assets.platforms import PLATFORMS, PlatformRules, package_problems
from video_assets.scripting.models import PlatformPackage, SeoMeta
from video_assets.scripting.packaging import choose_title, compose_description, platform_tags

MAX_TITLES, MAX_TAGS = 3, 10


def describe_rules(rules: PlatformRules) -> str:
    """One prompt line per platform, from the same table the output is checked against."""
    where = (
        f"tags become hashtags written {rules.hashtag.format(tag='tag')} at the end of the description"
        if rules.tags_in_description
        else "tags go in a separate tag field"
    )
    return (
        f"- {rules.name} ({rules.label}): title {rules.title_min}-{rules.title_max} characters; description at "
        f"most {rules.description_max} characters; at most {rules.max_tags} tags of at most {rules.tag_max_chars} "
        f"characters; {where}"
    )


def parse_seo(data: dict[str, Any], platforms: Sequence[str], seed_tags: Sequence[str]) -> SeoMeta:
    """`seed_tags` lead every tag list; a platform the model left out gets a package made from its general copy."""
    tags = [str(tag).strip().lstrip("#").strip() for tag in [*seed_tags, *_list(data.get("tags"))]]
    core = parse_model(
        SeoMeta,
        {
            "titles": _list(data.get("titles"))[:MAX_TITLES],
            "description": data.get("description"),
            "tags": list(dict.fromkeys(tag for tag in tags if tag))[:MAX_TAGS],
        },
    )
    given = data.get("platforms") if isinstance(data.get("platforms"), dict) else {}
    packages: dict[str, PlatformPackage] = {}
    problems: list[str] = []
    for name in platforms:
        rules = PLATFORMS[name]
        entry = given.get(name) if isinstance(given.get(name), dict) else {}
        title = str(entry.get("title") or "").strip() or choose_title(rules, core.titles)
        body = str(entry.get("description") or "").strip() or core.description
        chosen = platform_tags(rules, [*seed_tags, *map(str, _list(entry.get("tags"))), *core.tags])
        package = PlatformPackage(title=title, description=compose_description(rules, body, chosen), tags=chosen)
        problems += package_problems(rules, package.title, package.description, package.tags)
        packages[name] = package
    if problems:
        raise InvalidOutput("; ".join(problems))
    return core.model_copy(update={"platforms": packages})


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
