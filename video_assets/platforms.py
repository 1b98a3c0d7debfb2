"""What each target platform accepts for a video's title, description and tags, its cover's shape, and the part
of the frame its interface leaves visible (the safe area).

The limits are those the platforms' upload pages enforced when this table was written; change them here, in one
place, when a platform changes its rules. `tags_in_description` platforms take topics as hashtags written into the
description; the others have a separate tag field and a description without hashtags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SafeArea:
    """How much of a frame, as fractions of its width and height from each edge, a platform's own interface covers
    (buttons, captions, status bar, progress bar). Subtitles, the watermark and cover text stay inside the rest."""

    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0

    def pixels(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) bounds of the safe rectangle in a frame of `size`."""
        width, height = size
        return (
            round(width * self.left),
            round(height * self.top),
            width - round(width * self.right),
            height - round(height * self.bottom),
        )


# Measured on a 1080x1920 frame, kept as fractions so they apply at any size. Sources:
# - DOUYIN_UI: Douyin's feed has TikTok's layout (both ByteDance): top 250 px (tabs, search), bottom 420 px
#   (username, caption, sound), right 170 px (avatar, like, comment, favourite, share), from the 1080x1920 safe-zone
#   overlay of socaptions.com/blog/tiktok-safe-zones-2026; Kuaishou's feed has the same arrangement and no published
#   numbers of its own, so it takes these.
# - YOUTUBE_SHORTS_UI: bottom 480 px (title, channel, subscribe) from youraithumbnailgenerator.com's "YouTube Shorts
#   safe zones" guide; top and sides from the generic rule below.
# - FEED_UI: platforms without published numbers (Xiaohongshu, WeChat Channels) take the generic rule "keep text in
#   the centre 80% of the width and the middle 60% of the height" (shortsfire.com, "Shorts safe zones").
# - PLAYER_UI: bilibili plays landscape in a player whose controls and bullet comments come and go; EBU R 95's title
#   safe area (5% from every edge) is the broadcast rule for text in such a frame.
DOUYIN_UI = SafeArea(top=250 / 1920, bottom=420 / 1920, left=0.0, right=170 / 1080)
YOUTUBE_SHORTS_UI = SafeArea(top=0.2, bottom=480 / 1920, left=0.1, right=0.1)
FEED_UI = SafeArea(top=0.2, bottom=0.2, left=0.1, right=0.1)
PLAYER_UI = SafeArea(top=0.05, bottom=0.05, left=0.05, right=0.05)

PlatformName = Literal["douyin", "kuaishou", "wechat_channels", "xiaohongshu", "bilibili", "youtube_shorts"]


@dataclass(frozen=True)
class PlatformRules:
    name: str
    label: str
    title_max: int
    description_max: int  # hashtags included where they go in the description
    max_tags: int
    tag_max_chars: int
    tags_in_description: bool
    hashtag: str  # how one tag is written in the description, `{tag}` being the tag
    cover_size: tuple[int, int]
    title_min: int = 1
    safe_area: SafeArea = FEED_UI

    def hashtags(self, tags: list[str]) -> str:
        return " ".join(self.hashtag.format(tag=tag) for tag in tags)


PLATFORMS: dict[str, PlatformRules] = {
    # 作品标题 at most 30 characters; up to 5 topics in the description; full-screen 9:16 cover.
    "douyin": PlatformRules("douyin", "抖音", 30, 1000, 5, 20, True, "#{tag}", (1080, 1920), safe_area=DOUYIN_UI),
    "kuaishou": PlatformRules("kuaishou", "快手", 30, 500, 5, 20, True, "#{tag}", (1080, 1440), safe_area=DOUYIN_UI),
    # 视频号's short title is 6-16 characters; its feed shows covers at 3:4.
    "wechat_channels": PlatformRules(
        "wechat_channels", "视频号", 16, 1000, 5, 20, True, "#{tag}", (1080, 1440), title_min=6
    ),
    # 小红书 titles stop at 20 characters; a topic is stored as #topic[话题]#.
    "xiaohongshu": PlatformRules("xiaohongshu", "小红书", 20, 1000, 10, 20, True, "#{tag}[话题]#", (1080, 1440)),
    # bilibili: 80-character title, 2000-character 简介, up to 10 tags in their own field, 16:10 cover.
    "bilibili": PlatformRules(
        "bilibili", "哔哩哔哩", 80, 2000, 10, 20, False, "{tag}", (1280, 800), safe_area=PLAYER_UI
    ),
    # YouTube shows the first three hashtags of the description above the title; the title stops at 100.
    "youtube_shorts": PlatformRules(
        "youtube_shorts", "YouTube Shorts", 100, 5000, 3, 30, True, "#{tag}", (1080, 1920), safe_area=YOUTUBE_SHORTS_UI
    ),
}
DEFAULT_PLATFORMS: list[str] = ["douyin"]


def safe_area_for(platforms: Sequence[str]) -> SafeArea:
    """The area safe on every one of `platforms` (the largest cover of each edge); nothing covered for none."""
    areas = [PLATFORMS[name].safe_area for name in platforms if name in PLATFORMS]
    if not areas:
        return SafeArea()
    return SafeArea(*(max(getattr(area, edge) for area in areas) for edge in ("top", "bottom", "left", "right")))


def package_problems(rules: PlatformRules, title: str, description: str, tags: list[str]) -> list[str]:
    """Every way a package breaks its platform's rules, each in words that say what to change."""
    problems = []
    if not rules.title_min <= len(title) <= rules.title_max:
        problems.append(
            f"{rules.name}: title has {len(title)} characters, it must have {rules.title_min}-{rules.title_max}"
        )
    if len(description) > rules.description_max:
        problems.append(f"{rules.name}: description has {len(description)} characters, at most {rules.description_max}")
    if not tags or len(tags) > rules.max_tags:
        problems.append(f"{rules.name}: {len(tags)} tags, it needs 1-{rules.max_tags}")
    for tag in tags:
        if len(tag) > rules.tag_max_chars or any(ch.isspace() or ch == "#" for ch in tag):
            problems.append(
                f"{rules.name}: tag {tag!r} must be at most {rules.tag_max_chars} characters, no # or spaces"
            )
    if rules.tags_in_description and tags and rules.hashtags(tags) not in description:
        problems.append(f"{rules.name}: the description must end with the hashtags {rules.hashtags(tags)}")
    if not rules.tags_in_description and "#" in description:
        problems.append(f"{rules.name}: tags go in their own field; the description must have no hashtags")
    return problems
