"""Scripts an editor would keep (issue 20): words never cut across scenes or subtitle lines, pictures that fit their
lines, no looped clips, cover titles from the title, keywords that are words, styles that fit the article."""

from __future__ import annotations

import jieba
import pytest

from tests.scripting.editor_articles import Article, articles, demo_article
from video_assets.llm import OfflinePlanner
from video_assets.llm.script_validation import InvalidOutput, validated_script
from video_assets.platforms import safe_area_for
from video_assets.render.subtitles import layout_for
from video_assets.render.text_layout import break_lines
from video_assets.request_schema import SubtitleStyle
from video_assets.scripting import MaterialBrief, Script
from video_assets.scripting.fitting import NATURAL_SLOWDOWN
from video_assets.scripting.offline_describe import describe_offline
from video_assets.stages.rendering import platform_covers
from video_assets.tts.words import CJK_CHAR, tokenize

ARTICLES = articles()
TARGETS = (30.0, 45.0, 60.0)
VARIANTS = (("default", 0), ("product_geek", 1), ("default", 2))
PLANNER = OfflinePlanner()


def plans(article: Article, target: float) -> list[Script]:
    return [
        PLANNER.write_script(article.title, article.text, article.briefs, style, article.language, target, index)[0]
        for style, index in VARIANTS
    ]


def jieba_boundaries(text: str) -> set[int]:
    """Offsets between two of jieba's words (for Latin text jieba also separates words from spaces)."""
    offsets, position = {0}, 0
    for word in jieba.lcut(text):
        position += len(word)
        offsets.add(position)
    return offsets


def joined_with_cuts(script: Script, max_em: float) -> tuple[str, list[int], list[int]]:
    """The whole narration as one text, the offsets where scenes change and where subtitle lines break."""
    joined, scene_cuts, line_cuts = "", [], []
    for scene in script.scenes:
        if joined:
            glue = "" if CJK_CHAR.search(joined[-1] + scene.narration[0]) or not joined[-1].isascii() else " "
            scene_cuts.append(len(joined))
            joined += glue
        start = len(joined)
        joined += scene.narration
        tokens = tokenize(scene.narration)
        starts, cursor = [], 0
        for token, _ in tokens:
            cursor = scene.narration.index(token.split(" ")[0], cursor)
            starts.append(cursor)
            cursor += len(token.split(" ")[0])
        line_cuts += [start + starts[line[0]] for line in break_lines(tokens, max_em)[1:]]
    return joined, scene_cuts, line_cuts


@pytest.mark.parametrize("article", ARTICLES, ids=[article.name for article in ARTICLES])
@pytest.mark.parametrize("target", TARGETS)
def test_no_scene_boundary_or_subtitle_line_break_falls_inside_a_jieba_word(article: Article, target: float) -> None:
    max_em = layout_for(SubtitleStyle(), (1080, 1920), safe_area_for(article.platforms)).max_em
    for script in plans(article, target):
        joined, scene_cuts, line_cuts = joined_with_cuts(script, max_em)
        words = jieba_boundaries(joined)
        assert len(script.scenes) >= 5
        for cut in scene_cuts:
            assert cut in words, f"scene boundary cuts a word: {joined[max(0, cut - 6) : cut]}|{joined[cut : cut + 6]}"
        for cut in line_cuts:
            assert cut in words, f"subtitle line cuts a word: {joined[max(0, cut - 6) : cut]}|{joined[cut : cut + 6]}"


@pytest.mark.parametrize("article", ARTICLES, ids=[article.name for article in ARTICLES])
@pytest.mark.parametrize("target", TARGETS)
def test_no_clip_is_planned_longer_than_it_lasts_slowed_naturally(article: Article, target: float) -> None:
    clips = {brief.id: brief.duration for brief in article.briefs if brief.kind == "video"}
    for script in plans(article, target):
        shown = [scene for scene in script.scenes if scene.material_id in clips]
        assert {scene.material_id for scene in shown} == set(clips)  # every clip is still used
        for scene in shown:
            assert scene.out_point <= clips[scene.material_id] + 1e-3
            assert scene.planned_duration <= (scene.out_point - scene.in_point) * NATURAL_SLOWDOWN + 0.01


@pytest.mark.parametrize("article", ARTICLES, ids=[article.name for article in ARTICLES])
def test_every_cover_title_is_the_article_title_or_an_seo_title_built_on_it(article: Article) -> None:
    topic = article.title.replace("：", ":").split(":")[0].strip()
    for script in plans(article, 45.0):
        seo, _ = PLANNER.write_seo(script, article.title, article.language, list(article.platforms))
        assert all(topic in title for title in seo.titles)
        covers = platform_covers({name: package.model_dump() for name, package in seo.platforms.items()})
        assert set(covers) == set(article.platforms)
        for cover in covers.values():
            assert any(title.startswith(cover.title.rstrip("…")) for title in seo.titles), cover.title
            assert all(scene.narration.rstrip("。.") not in cover.title for scene in script.scenes[1:])


MATCHING_ARTICLE = """清晨，咖啡师在吧台前磨好咖啡豆，冲出一杯热拿铁。
发射台上，火箭点火升空，尾焰照亮了夜空。
窗台上，一只橘猫伸着懒腰晒太阳。
天文台的望远镜对准了遥远的星系。
海边的灯塔在暴风雨中闪着光。"""
# Listed in the reverse of the article's order, so article position alone would pick every one wrongly.
MATCHING_MATERIALS = [
    (5, "暴风雨中的海边灯塔"),
    (4, "天文台里的望远镜"),
    (3, "窗台上晒太阳的橘猫"),
    (2, "点火升空的火箭"),
    (1, "吧台前的咖啡师和拿铁"),
]


def test_each_sentence_gets_the_material_whose_description_matches_it() -> None:
    briefs = [
        MaterialBrief(id=number, kind="image", width=800, height=600, description=description)
        for number, description in MATCHING_MATERIALS
    ]
    briefs = [brief.model_copy(update={"analysis": describe_offline(brief, MATCHING_ARTICLE)}) for brief in briefs]
    cues = {1: "咖啡", 2: "火箭", 3: "橘猫", 4: "望远镜", 5: "灯塔"}
    for style, index in VARIANTS:
        script, _ = PLANNER.write_script("五个画面", MATCHING_ARTICLE, briefs, style, "zh", 45.0, index)
        matched = [scene for scene in script.scenes if any(cue in scene.narration for cue in cues.values())]
        assert len(matched) >= 5
        for scene in matched:
            expected = next(number for number, cue in cues.items() if cue in scene.narration)
            assert scene.material_id == expected, scene.narration
            assert scene.match_score is not None and scene.match_score >= 0.3


def test_the_demo_puts_the_astronaut_under_the_astronaut_line_and_records_match_scores() -> None:
    article = demo_article()
    astronaut = next(brief.id for brief in article.briefs if "宇航员" in (brief.description or ""))
    script = plans(article, 45.0)[2]
    line = next(scene for scene in script.scenes if "宇航员在空间站里醒来" in scene.narration)
    assert line.material_id == astronaut and (line.match_score or 0) > 0.5
    assert all(scene.match_score is not None and 0 <= scene.match_score <= 1 for scene in script.scenes)


def test_analysis_keywords_are_whole_words_not_character_fragments() -> None:
    for article in ARTICLES:
        for brief in article.briefs:
            assert brief.analysis is not None and brief.analysis.keywords
            for keyword in brief.analysis.keywords:
                if CJK_CHAR.search(keyword):
                    assert jieba.lcut(keyword) == [keyword], f"{keyword} is not one word"
                    assert keyword in f"{brief.description} {article.title} {article.text}"


def test_the_product_style_speaks_of_specs_only_on_a_product_article() -> None:
    review, news, demo = ARTICLES[1], ARTICLES[2], ARTICLES[0]
    for index in range(3):
        geek = PLANNER.write_script(review.title, review.text, review.briefs, "product_geek", "zh", 45.0, index)[0]
        assert any(char.isdigit() for char in geek.hook)
        for article in (news, demo):
            other = PLANNER.write_script(
                article.title, article.text, article.briefs, "product_geek", "zh", 45.0, index
            )[0]
            assert "参数" not in other.hook and "数据" not in other.hook, other.hook


def _model_script(briefs: list[MaterialBrief], narrations: list[str], durations: list[float]) -> dict:
    scenes = []
    for number, (narration, seconds) in enumerate(zip(narrations, durations, strict=True)):
        brief = briefs[number % len(briefs)]
        scenes.append(
            {
                "narration": narration,
                "material_id": brief.id,
                "in_point": 0.0,
                "out_point": min(seconds, brief.duration or seconds),
                "planned_duration": seconds,
            }
        )
    return {"style": "default", "hook": narrations[0], "scenes": scenes}


MODEL_BRIEFS = [
    MaterialBrief(id=1, kind="image", width=800, height=600, description="宇航员"),
    MaterialBrief(id=2, kind="video", duration=4.0, width=800, height=600, description="空间站"),
]


def test_a_model_script_cutting_a_word_is_repaired_to_cut_between_words() -> None:
    data = _model_script(MODEL_BRIEFS, ["清晨六点，宇航员在空", "间站里醒来。", "新的一天开始了。"], [8.0, 4.0, 8.0])
    script = validated_script(data, MODEL_BRIEFS, "default", 20.0)
    assert [scene.narration for scene in script.scenes[:2]] == ["清晨六点，宇航员在", "空间站里醒来。"]
    assert all(scene.match_score is not None for scene in script.scenes)


def test_a_model_script_whose_cut_word_cannot_move_is_refused_naming_the_word() -> None:
    data = _model_script(MODEL_BRIEFS, ["清晨六点，宇航员在空间", "站", "新的一天开始了。"], [8.0, 4.0, 8.0])
    with pytest.raises(InvalidOutput, match="cut the word '空间站'"):
        validated_script(data, MODEL_BRIEFS, "default", 20.0)


def test_a_model_script_showing_a_clip_longer_than_it_lasts_is_refused_with_what_to_change() -> None:
    data = _model_script(MODEL_BRIEFS, ["清晨六点，宇航员醒来。", "他在空间站里工作了一整天，非常忙碌。"], [8.0, 12.0])
    with pytest.raises(InvalidOutput, match=r"clip 2 \(4\.0s\) for 12\.0s.*never looped"):
        validated_script(data, MODEL_BRIEFS, "default", 20.0)


def test_a_model_clip_window_shorter_than_its_scene_grows_inside_the_clip() -> None:
    data = _model_script(MODEL_BRIEFS, ["清晨六点，宇航员醒来。", "他在空间站里工作。"], [15.0, 5.0])
    data["scenes"][1]["out_point"] = 2.0
    script = validated_script(data, MODEL_BRIEFS, "default", 20.0)
    clip = script.scenes[1]
    assert (clip.in_point, clip.out_point) == (0.0, 4.0)
