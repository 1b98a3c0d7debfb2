"""Per-style rules of the offline planner.

- `default`: the article's own order, scenes of one sentence (up to ~8 s), question/statement/conclusion hooks.
- `product_geek`: opens with the most number/spec-heavy sentence, picks sentences by spec density and keeps that
  ranking as the order, one clause per scene (~4 s, faster pacing), and puts product shots first.
- any other style name: the `default` rules, with the hook template and tie-breaks seeded by the style name, so
  two unknown styles still give two different videos.

A style whose hooks presume a kind of article (`product_geek` presumes a product: "…的参数到底有多能打？") is
applied as such only to that kind. `fitted_to` checks the article first: a product article is one where at least a
quarter of the sentences are number/spec-heavy (`spec_density` >= 1: prices, units, model names, 参数/续航/屏幕).
On any other article (a story, news, an essay) the style keeps its pace (short scenes) but speaks with the default
hooks, in the article's order, without ranking sentences by their numbers: a story told as a spec sheet reads oddly.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from video_assets.scripting.text import spec_density


@dataclass(frozen=True)
class StyleRules:
    name: str
    order: str  # "article" keeps article order, "ranked" keeps the selection ranking
    spec_weight: float  # how much number/spec density raises a sentence's rank
    max_scene_seconds: float
    hook_offset: int  # rotates the hook templates
    hooks: str = "default"  # which hook templates: "default" or "product_geek"
    presumes: str = ""  # the kind of article the hooks and ranking are written for ("product"), "" for any


DEFAULT = StyleRules("default", order="article", spec_weight=0.0, max_scene_seconds=8.0, hook_offset=0)
PRODUCT_GEEK = StyleRules(
    "product_geek",
    order="ranked",
    spec_weight=2.0,
    max_scene_seconds=4.0,
    hook_offset=0,
    hooks="product_geek",
    presumes="product",
)
PRODUCT_SENTENCE_SHARE = 0.25
# What a request may ask for; other names reach the planner only from code and tests.
KNOWN_STYLES = (DEFAULT.name, PRODUCT_GEEK.name)


def style_rules(style: str) -> StyleRules:
    if style == "product_geek":
        return PRODUCT_GEEK
    if style == "default":
        return DEFAULT
    return StyleRules(style, "article", 0.0, DEFAULT.max_scene_seconds, hook_offset=zlib.crc32(style.encode()) % 3)


def fitted_to(rules: StyleRules, sentences: Sequence[str]) -> StyleRules:
    """The style as it applies to an article of these sentences (see the module's docstring)."""
    if rules.presumes != "product" or is_product_article(sentences):
        return rules
    return replace(rules, order="article", spec_weight=0.0, hooks="default")


def is_product_article(sentences: Sequence[str]) -> bool:
    heavy = sum(1 for sentence in sentences if spec_density(sentence) >= 1.0)
    return bool(sentences) and heavy >= PRODUCT_SENTENCE_SHARE * len(sentences)


HOOKS_ZH = {
    "default": (
        "{topic}，到底怎么样？看完这条视频你就知道了。",
        "一分钟带你看懂{topic}。",
        "先说结论：{key}",
    ),
    "product_geek": (
        "{spec}——{topic}的参数到底有多能打？",
        "参数党看过来：{spec}",
        "只看数据说话：{spec}",
    ),
}
HOOKS_EN = {
    "default": (
        "{topic}: is it really worth it? Watch to the end.",
        "Here is {topic}, explained in one minute.",
        "Bottom line first: {key}",
    ),
    "product_geek": (
        "{spec} How good is {topic} on paper?",
        "Spec lovers, look at this: {spec}",
        "Numbers only: {spec}",
    ),
}
# Languages without templates of their own open with the article's own words: an English or Chinese hook would be
# foreign text, which the article's voice reads slowly or letter by letter (and the viewer may not understand).
HOOKS_OWN_WORDS = {"default": ("{key}", "{spec}", "{key}"), "product_geek": ("{spec}",)}


def hook_templates(language: str, chinese: bool) -> dict[str, tuple[str, ...]]:
    """The hook templates for a request's `language`; `chinese` says the article itself is written in Chinese."""
    if language.lower().split("-")[0] not in ("zh", "en"):
        return HOOKS_OWN_WORDS
    return HOOKS_ZH if chinese else HOOKS_EN
