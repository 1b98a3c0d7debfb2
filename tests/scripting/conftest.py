"""Eight real materials (4 photos, 4 clips) with CV features and offline analyses, placed in a Chinese review."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media_samples import clip, photo
from tests.vision.media import keyframes, two_shot_clip
from video_assets.llm import OfflinePlanner
from video_assets.media import parse_article
from video_assets.scripting import MaterialBrief
from video_assets.vision import cv_features

ARTICLE_PATH = Path(__file__).with_name("article_zh.md")
ARTICLE_TITLE = "星河 X7 Pro 深度评测：一台把续航做到极致的旗舰手机"

# (kind, media recipe, context copied from the article around where the material sits)
MATERIALS = [
    ("image", "astronaut", "上周我拿到了星河 X7 Pro，连续用了七天，今天就把真实体验完整地分享给大家。"),
    ("video", "testsrc2", "X7 Pro 的机身厚度是 8.2 毫米，重量 205 克，背板采用磨砂玻璃，拿在手里不沾指纹。"),
    ("image", "camera", "正面是一块 6.78 英寸的 OLED 直屏，分辨率 2800×1260，支持 1 到 120Hz 自适应刷新率。"),
    ("video", "two_shot", "我用它连续玩了四十分钟大型游戏，平均帧率稳定在 59 帧，机身最高温度大约 43 度。"),
    ("image", "rocket", "夜景模式下，主摄的噪点控制不错，路灯的眩光也处理得比较干净。"),
    ("video", "smptebars", "6000mAh 电池配合 100W 有线快充，从百分之一充到百分之百只需要 28 分钟。"),
    ("image", "coins", "星河 X7 Pro 的起售价是 3999 元，16GB 加 512GB 的版本售价 4599 元。"),
    ("video", "mandelbrot", "系统界面干净，预装应用可以卸载，厂商承诺会提供四年的系统更新和五年的安全补丁。"),
]


@pytest.fixture(scope="session")
def article_text() -> str:
    return parse_article(ARTICLE_PATH.read_text(encoding="utf-8")).text


@pytest.fixture(scope="session")
def material_briefs(tmp_path_factory: pytest.TempPathFactory, article_text: str) -> list[MaterialBrief]:
    root = tmp_path_factory.mktemp("materials")
    planner = OfflinePlanner()
    briefs = []
    for index, (kind, recipe, context) in enumerate(MATERIALS, start=1):
        if kind == "image":
            media = photo(recipe, root / f"{index}.jpg", size=(480, 360))
            frames = [media]
            width, height, duration = 480, 360, None
        else:
            media = (
                two_shot_clip(root / f"{index}.mp4")
                if recipe == "two_shot"
                else clip(root / f"{index}.mp4", 320, 180, 3.0, 30, source=recipe, audio=False)
            )
            frames = keyframes(media, root / "keyframes", [0.5, 1.5, 2.5])
            width, height, duration = 320, 180, 4.0 if recipe == "two_shot" else 3.0
        brief = MaterialBrief(
            id=100 + index,
            kind=kind,
            duration=duration,
            width=width,
            height=height,
            context=context,
            cv=cv_features(media, kind, frames),
        )
        analysis, _ = planner.describe_material(brief, frames, ARTICLE_TITLE + "\n" + article_text)
        briefs.append(brief.model_copy(update={"analysis": analysis}))
    return briefs
