from __future__ import annotations

from video_assets.llm import OfflinePlanner
from video_assets.scripting import MaterialBrief, check_coverage, duration_bounds, title_limits, total_duration

ARTICLE = """# The Nova Bike review
I rode the Nova Bike for two weeks. It weighs 18 kg and costs 1,999 dollars.
## Battery
The 500 Wh battery lasted 80 km on a single charge, which is great. Charging takes 4 hours.
## Ride
The motor is quiet and smooth. Hills feel easy, even with groceries on the back.
## Verdict
Overall, it is worth the price for city commuters.
"""
TITLE = "The Nova Bike review: a city e-bike"
BRIEFS = [
    MaterialBrief(id=1, kind="image", width=800, height=600, context="I rode the Nova Bike for two weeks."),
    MaterialBrief(id=2, kind="video", duration=5.0, width=1280, height=720, context="The 500 Wh battery lasted 80 km"),
]


def test_english_article_gives_whole_sentences_with_numbers_intact_and_english_seo() -> None:
    planner = OfflinePlanner()
    for style in ("default", "product_geek"):
        script, _ = planner.write_script(TITLE, ARTICLE, BRIEFS, style, "en", 20.0, 0)
        narration = " ".join(scene.narration for scene in script.scenes)
        low, high = duration_bounds(20.0)

        assert check_coverage(script, BRIEFS).ok
        assert low <= total_duration(script) <= high
        assert "The Nova Bike review " not in narration.replace(script.hook, "")  # the H1 is not read out
        assert "costs 1." not in narration  # "1,999" is not a clause break

        seo, _ = planner.write_seo(script, TITLE, "en")
        assert all(len(t) <= limit for t, limit in zip(seo.titles, title_limits("en"), strict=True))
        assert 5 <= len(seo.tags) <= 10
