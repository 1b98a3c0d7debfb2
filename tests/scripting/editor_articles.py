"""Articles of different kinds, Chinese and English, each with materials described the way a user would send them.

The demo's space story comes from examples/request.json itself (its clips are 6, 5 and 4 s, as `make demo` writes
them); the others are a product review, a news report and an English story, so the planner's rules are checked on
more than the one article they were tuned on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from video_assets.media import parse_article
from video_assets.scripting import MaterialBrief
from video_assets.scripting.offline_describe import describe_offline

REQUEST = Path(__file__).parents[2] / "examples" / "request.json"
DEMO_CLIP_SECONDS = {"galaxy.mp4": 6.0, "orbit.mp4": 5.0, "phone.mp4": 4.0}


@dataclass(frozen=True)
class Article:
    name: str
    title: str
    text: str
    language: str
    platforms: tuple[str, ...]
    briefs: list[MaterialBrief]


def _briefs(materials: list[tuple[str, float | None, str]], title: str, text: str) -> list[MaterialBrief]:
    briefs = []
    for number, (kind, seconds, description) in enumerate(materials, start=1):
        brief = MaterialBrief(
            id=number, kind=kind, duration=seconds, width=1280, height=720, description=description or None
        )
        briefs.append(brief.model_copy(update={"analysis": describe_offline(brief, f"{title}\n{text}")}))
    return briefs


def demo_article() -> Article:
    request = json.loads(REQUEST.read_text(encoding="utf-8"))
    text = parse_article(request["markdown"]).text
    materials = [
        (
            "video" if material["uri"].endswith(".mp4") else "image",
            DEMO_CLIP_SECONDS.get(Path(material["uri"]).name),
            material["description"],
        )
        for material in request["materials"]
    ]
    return Article(
        "demo", request["title"], text, "zh", tuple(request["platforms"]), _briefs(materials, request["title"], text)
    )


REVIEW_TITLE = "星河 X7 Pro 深度评测：续航做到极致的旗舰手机"
REVIEW = """星河 X7 Pro 的机身厚度是 8.2 毫米，重量 205 克，背板采用磨砂玻璃。
正面是一块 6.78 英寸的 OLED 直屏，分辨率 2800×1260，支持 120Hz 自适应刷新率。
我用它连续玩了四十分钟大型游戏，平均帧率稳定在 59 帧，机身最高温度大约 43 度。
6000mAh 电池配合 100W 有线快充，从百分之一充到百分之百只需要 28 分钟。
夜景模式下，主摄的噪点控制不错，路灯的眩光也处理得比较干净。
星河 X7 Pro 的起售价是 3999 元，16GB 加 512GB 的版本售价 4599 元，性价比很高。"""
REVIEW_MATERIALS = [
    ("image", None, "手机背面的磨砂玻璃和机身厚度"),
    ("video", 3.0, "游戏画面和帧率"),
    ("image", None, "6.78 英寸 OLED 直屏"),
    ("video", 5.0, "充电器和电池快充"),
    ("image", None, "夜景模式拍摄的路灯"),
]

NEWS_TITLE = "城市地铁新线今日开通"
NEWS = """今天上午九点，城市地铁十二号线正式开通运营，首班列车从东湖站准时发车。
新线全长三十二公里，共设二十个车站，连接老城区和新建的科技园区。
开通首日，车站里挤满了前来体验的市民，不少人专门带着孩子来坐第一趟车。
运营公司表示，早晚高峰的发车间隔将缩短到三分钟，以缓解通勤压力。
附近的商户也期待客流带来新的生意，一家面馆老板说，他已经准备好了更多的座位。"""
NEWS_MATERIALS = [
    ("video", 4.0, "地铁列车驶出站台"),
    ("image", None, "地铁线路图"),
    ("image", None, "带孩子坐车的市民"),
    ("video", 6.0, "早高峰的车站人流"),
    ("image", None, "面馆老板和座位"),
]

STORY_TITLE = "The lighthouse keeper's last winter"
STORY = """Every evening for forty years, Tom climbed the spiral stairs of the lighthouse to light the lamp.
The sea below was grey and restless, and the wind rattled the old windows.
His only company was a black cat who slept beside the warm lamp.
One night a small fishing boat lost its way in the storm, and the beam guided it home.
In spring the lighthouse was automated, and Tom moved to a cottage by the harbour.
He still watches the beam sweep across the water every night."""
STORY_MATERIALS = [
    ("image", None, "spiral stairs inside the lighthouse"),
    ("video", 5.0, "grey restless sea under the wind"),
    ("image", None, "black cat sleeping beside the lamp"),
    ("video", 4.0, "fishing boat in the storm"),
    ("image", None, "cottage by the harbour"),
]


def articles() -> list[Article]:
    return [
        demo_article(),
        Article(
            "review",
            REVIEW_TITLE,
            REVIEW,
            "zh",
            ("douyin", "bilibili"),
            _briefs(REVIEW_MATERIALS, REVIEW_TITLE, REVIEW),
        ),
        Article("news", NEWS_TITLE, NEWS, "zh", ("xiaohongshu",), _briefs(NEWS_MATERIALS, NEWS_TITLE, NEWS)),
        Article("story", STORY_TITLE, STORY, "en", ("youtube_shorts",), _briefs(STORY_MATERIALS, STORY_TITLE, STORY)),
    ]
