"""Title length limits per candidate, chosen so each candidate fits the platform it is meant for.

- short: WeChat Channels shows a 6-16 character short title (视频号短标题);
- medium: 30 characters, fully visible in Douyin/Kuaishou feeds without truncation;
- long: Douyin allows 55 characters in a title; YouTube Shorts allows 100, which English titles use.
"""

from __future__ import annotations

TITLE_LIMITS_ZH = (16, 30, 55)
TITLE_LIMITS_EN = (40, 70, 100)


def title_limits(language: str) -> tuple[int, int, int]:
    return TITLE_LIMITS_ZH if language.lower().startswith(("zh", "ja", "ko")) else TITLE_LIMITS_EN
