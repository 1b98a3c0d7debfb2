"""Offline material description from CV features and article context (no model; OCR is left empty)."""

from __future__ import annotations

import math
import re

from video_assets.scripting.models import MaterialAnalysis, MaterialBrief, NarrativeRole
from video_assets.scripting.text import bound_tokens, is_chinese, keywords, spec_density
from video_assets.vision import CvFeatures

SHARPNESS_REFERENCE = 1000.0  # Laplacian variance of a crisp 320 px photo; the log scale saturates around it
MOVING_VIDEO = 0.03  # mean frame difference above which a clip reads as action rather than b-roll
_PALETTE_ZH = {
    "黑色": (20, 20, 20),
    "白色": (240, 240, 240),
    "灰色": (128, 128, 128),
    "红色": (200, 30, 30),
    "橙色": (240, 140, 30),
    "黄色": (230, 210, 40),
    "绿色": (40, 160, 60),
    "青色": (40, 180, 190),
    "蓝色": (40, 70, 200),
    "紫色": (140, 60, 170),
    "棕色": (120, 80, 50),
    "粉色": (240, 150, 180),
}
_PALETTE_EN = dict(
    zip(
        ["black", "white", "grey", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "brown", "pink"],
        _PALETTE_ZH.values(),
        strict=True,
    )
)
_EXPLANATION_CUES = ("因为", "原理", "所以", "为什么", "如何", "怎么", "because", "how ", "why ", "means")


def describe_offline(brief: MaterialBrief, article_text: str) -> MaterialAnalysis:
    """Theme and keywords from the text around the material, role from its place in the article, quality from CV."""
    own_text = bound_tokens(" ".join(part for part in (brief.description, brief.context) if part))
    article_text = bound_tokens(article_text)
    chinese = is_chinese(own_text or article_text)
    # The article's own keywords stand in only for a material nothing is known about: added to a described one,
    # they would make every material look like every other to the matcher.
    words = keywords(own_text, limit=6) or keywords(article_text, limit=3)
    theme = ("、" if chinese else ", ").join(words[:2]) or (article_text[:20] or "material")
    return MaterialAnalysis(
        theme=theme,
        description=_description(brief, own_text, chinese),
        ocr_text="",
        narrative_role=_role(brief, own_text, article_text),
        keywords=words,
        quality_score=quality_from_cv(brief.cv),
    )


def article_position(context: str, article_text: str) -> float | None:
    """Where the material sits in the article, 0 (start) to 1 (end), found by its context text."""
    probe = context.strip()[:24]
    if not probe or not article_text:
        return None
    index = article_text.find(probe)
    return None if index < 0 else index / max(1, len(article_text))


def quality_from_cv(cv: CvFeatures | None) -> float:
    if cv is None:
        return 0.5
    sharp = min(1.0, math.log1p(cv.sharpness) / math.log1p(SHARPNESS_REFERENCE))
    exposure = max(0.0, 1.0 - abs(cv.brightness - 0.5) * 2.0)
    return round(0.65 * sharp + 0.35 * exposure, 3)


def _role(brief: MaterialBrief, own_text: str, article_text: str) -> NarrativeRole:
    position = article_position(brief.context, article_text)
    if position is not None and position < 0.12:
        return "opening_hook"
    if position is not None and position > 0.85:
        return "conclusion"
    if spec_density(own_text) >= 1.0:
        return "product_showcase"
    if brief.kind == "video":
        return "highlight" if brief.cv is not None and brief.cv.motion >= MOVING_VIDEO else "b_roll"
    if any(cue in own_text.lower() for cue in _EXPLANATION_CUES):
        return "explanation"
    return "evidence"


def _description(brief: MaterialBrief, own_text: str, chinese: bool) -> str:
    snippet = re.sub(r"[。！？.!?，,；;\s]+$", "", own_text.strip()[:80]) or None
    cv = brief.cv
    if chinese:
        kind = "视频" if brief.kind == "video" else "图片"
        length = f"，时长 {brief.duration:.1f} 秒" if brief.duration else ""
        parts = [f"{kind}素材（{brief.width}×{brief.height}{length}）" + (f"：{snippet}" if snippet else "")]
        if cv is not None:
            light = "明亮" if cv.brightness > 0.6 else "偏暗" if cv.brightness < 0.35 else "曝光适中"
            sharp = "清晰" if cv.sharpness > 150 else "略显模糊"
            colours = "、".join(dict.fromkeys(_colour_name(c, _PALETTE_ZH) for c in cv.dominant_colors[:2]))
            parts.append(f"画面{light}、{sharp}" + (f"，主色调为{colours}" if colours else ""))
            if brief.kind == "video":
                pace = "动感较强" if cv.motion >= MOVING_VIDEO else "画面平稳"
                parts.append(f"共 {len(cv.scene_cuts) + 1} 个镜头，{pace}")
        return "。".join(parts) + "。"
    length = f", {brief.duration:.1f} s" if brief.duration else ""
    parts = [f"{brief.kind.capitalize()} ({brief.width}x{brief.height}{length})" + (f": {snippet}" if snippet else "")]
    if cv is not None:
        light = "bright" if cv.brightness > 0.6 else "dark" if cv.brightness < 0.35 else "well exposed"
        sharp = "sharp" if cv.sharpness > 150 else "slightly soft"
        colours = " and ".join(dict.fromkeys(_colour_name(c, _PALETTE_EN) for c in cv.dominant_colors[:2]))
        parts.append(f"The picture is {light} and {sharp}" + (f", mostly {colours}" if colours else ""))
        if brief.kind == "video":
            motion = "lively motion" if cv.motion >= MOVING_VIDEO else "steady framing"
            parts.append(f"{len(cv.scene_cuts) + 1} shot(s) with {motion}")
    return ". ".join(parts) + "."


def _colour_name(hex_color: str, palette: dict[str, tuple[int, int, int]]) -> str:
    rgb = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return min(palette, key=lambda name: sum((a - b) ** 2 for a, b in zip(palette[name], rgb, strict=True)))
