"""The Dagster UI as a debugging tool, checked in a real browser: the real pipeline runs in-process into a Dagster
instance, the real `dagster-webserver` serves it, and headless chromium reads what a user would see.

One test, because the pipeline runs and the webserver are the expensive part and xdist would otherwise repeat them
per worker. Screenshots of every page land in `test-output/ui/` (ignored by git)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import dagster as dg
from selenium.webdriver.common.by import By
from sqlalchemy import select

from sensors.launch import execute_request
from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from tests.ui.harness import chromium, code_settings, dagster_webserver, fresh_dagster_home
from tests.ui.pages import Page, Row, loaded_inline_image
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, VideoScript
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
ARTICLE = "# 实验室\n\n宇航员检查火箭模型。\n\n彩条画面用于设备自检。\n\n咖啡之后开始工作。"
REJECTED_SOURCE = "/etc/passwd"  # outside the allowed local roots: rejected with a reason, the others carry on
STAGES = (media_items, media_analyses, video_scripts, rendered_videos)
CHECKS_PER_STAGE = {
    "media_items": 1,
    "media_analyses": 0,
    "video_scripts": 2,
    "rendered_videos": 5,
    "editable_exports": 0,
}
READ_ASSET_NODES = "return [...document.querySelectorAll(\"[class*='AssetNode_assetNodeBox']\")].map(n => n.innerText)"
ASSET_CHECK_DESCRIPTIONS = """{ assetNodes { assetKey { path } description
  assetChecksOrError { ... on AssetChecks { checks { name description } } } } }"""


@dataclass(frozen=True)
class Seen:
    clean: str  # completed: every check passes
    partial: str  # one variant lost: every_variant_rendered fails for this partition only
    material: str  # "#<id>" of the clean request's first photo, to be traced through every stage


def test_the_ui_traces_a_material_from_thumbnail_to_video_and_shows_failed_checks_per_partition(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    home = Path(sqlite_database_url.removeprefix("sqlite:///")).parent
    media = tmp_path / "media"
    dagster_home = fresh_dagster_home(tmp_path, SCREENSHOTS)
    settings = code_settings(home, sqlite_database_url, media)
    with dagster_webserver(dagster_home, settings, tmp_path) as server:  # it loads while the pipeline runs
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            seen = run_requests(instance, sqlite_database_url, home, media)
        server.wait_until_loaded()
        server.graphql("mutation { setNuxSeen }")  # the first-visit newsletter dialog would cover the pages
        every_asset_and_check_has_a_description(server.graphql(ASSET_CHECK_DESCRIPTIONS))
        with chromium(tmp_path / "chromium-profile", tmp_path / "chromedriver.log") as driver:
            page = Page(driver, server.url, SCREENSHOTS)
            the_asset_graph_shows_the_four_stages_with_their_checks(page)
            media_items_shows_loaded_thumbnails_ids_sources_and_the_rejection(page, seen)
            media_analyses_shows_descriptions_cv_features_and_prompt_versions(page, seen)
            video_scripts_shows_scenes_coverage_and_seo_titles(page, seen)
            rendered_videos_shows_covers_materials_and_stable_links(page, seen)
            failed_checks_are_visible_per_partition(page, seen)
            the_catalog_shows_every_asset_with_its_description(page)


def run_requests(instance: dg.DagsterInstance, database_url: str, home: Path, media: Path) -> Seen:
    photos = [photo("astronaut", media / "astronaut.jpg"), photo("rocket", media / "rocket.jpg")]
    materials = [*photos, clip(media / "bars.mp4", 640, 360, seconds=3, source="smptebars")]
    fields = {"title": "实验室", "markdown": ARTICLE, "aspect": "1:1", "target_duration": 15}
    sources = [{"uri": str(path)} for path in materials]
    clean = submit(database_url, materials=[*sources, {"uri": REJECTED_SOURCE}], video_count=1, **fields)
    partial = submit(database_url, materials=sources, video_count=2, **fields)
    resources = pipeline_resources(database_url, None, "", home, [media])  # objects under home/objects, as settings
    defs = build_definitions(resources)

    assert execute_request(instance, defs, clean)
    the_request_finished_only_after_its_checks_were_recorded(instance, database_url, clean)
    assert materialize([media_items, media_analyses, video_scripts], partial, instance, resources).success
    with session_scope(database_url) as session:
        broken = session.scalars(select(VideoScript).filter_by(request_id=partial, variant_index=1)).one()
        broken.scenes = [{**scene, "material_id": 99999} for scene in broken.scenes]
    assert execute_request(instance, defs, partial, resume=True)
    with session_scope(database_url) as session:
        assert get_request(session, clean).status == "completed"
        assert get_request(session, partial).status == "partial_success"
        first = session.scalars(select(MediaItem).filter_by(request_id=clean, source=str(photos[0]))).one()
    return Seen(clean, partial, f"#{first.id}")


def the_request_finished_only_after_its_checks_were_recorded(
    instance: dg.DagsterInstance, database_url: str, request_id: str
) -> None:
    with session_scope(database_url) as session:
        finished = get_request(session, request_id).finished_at
    assert finished is not None
    finished_at = (finished if finished.tzinfo else finished.replace(tzinfo=UTC)).timestamp()
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(rendered_videos.check_keys))
    assert len(records) == CHECKS_PER_STAGE["rendered_videos"]
    for key, record in records.items():
        assert record.event is not None and record.event.timestamp <= finished_at, key.name


def every_asset_and_check_has_a_description(answer: dict) -> None:
    nodes = {"/".join(node["assetKey"]["path"]): node for node in answer["assetNodes"]}
    assert set(nodes) == set(CHECKS_PER_STAGE)
    for name, node in nodes.items():
        assert node["description"], f"{name} has no description"
        checks = node["assetChecksOrError"]["checks"]
        assert len(checks) == CHECKS_PER_STAGE[name], (name, checks)
        assert all(check["description"] for check in checks), (name, checks)


def the_asset_graph_shows_the_four_stages_with_their_checks(page: Page) -> None:
    page.open("/locations/video_assets/asset-groups/video", "rendered_videos")

    def nodes() -> dict[str, str]:
        return {text.split("\n", 1)[0]: text for text in page.driver.execute_script(READ_ASSET_NODES)}

    expected = {
        name: rf"Asset checks\n\d+ / {count} Passed" if count else "Asset checks\n–"
        for name, count in CHECKS_PER_STAGE.items()
    }
    page.wait(
        lambda: set(nodes()) == set(expected) and all(re.search(expected[n], t) for n, t in nodes().items()),
        f"the asset nodes with their check counts {expected}",
    )
    page.screenshot("01-asset-graph")


def media_items_shows_loaded_thumbnails_ids_sources_and_the_rejection(page: Page, seen: Seen) -> None:
    page.open(f"/assets/media_items?view=partitions&partition={seen.clean}", "Metadata")
    [items] = page.tables(page.markdown("items"))
    page.screenshot("02-media-items")
    by_id = by_column(items, "material")
    ready = [row for row in items if row["status"].text == "ready"]
    assert len(ready) == 3 and all(loaded_inline_image(row["thumbnail"]) for row in ready), items
    assert by_id[seen.material]["source"].text.endswith("astronaut.jpg")
    assert by_id[seen.material]["position"].text == "0"
    [rejected] = [row for row in items if row["status"].text == "rejected"]
    assert rejected["source"].text == REJECTED_SOURCE and not rejected["thumbnail"].images
    assert "outside the allowed local roots" in rejected["reason"].text


def media_analyses_shows_descriptions_cv_features_and_prompt_versions(page: Page, seen: Seen) -> None:
    page.open(f"/assets/media_analyses?view=partitions&partition={seen.clean}", "Metadata")
    [results] = page.tables(page.markdown("results"))
    page.screenshot("03-media-analyses")
    row = by_column(results, "material")[seen.material]
    assert row["status"].text == "ready"
    assert row["description"].text not in ("", "-") and row["theme"].text not in ("", "-")
    assert row["role"].text and row["keywords"].text and float(row["quality"].text) > 0
    for feature in ("sharpness", "brightness", "motion", "colours #"):
        assert feature in row["cv features"].text, row["cv features"].text
    assert "describe_material" in row["prompt"].text and row["backend"].text == "offline"
    [clip_row] = [r for r in results if "cuts" in r["cv features"].text]
    assert clip_row["material"].text != seen.material
    assert "describe_material" in page.metadata_row("prompt_versions").text


def video_scripts_shows_scenes_coverage_and_seo_titles(page: Page, seen: Seen) -> None:
    page.open(f"/assets/video_scripts?view=partitions&partition={seen.clean}", "Metadata")
    [scenes] = page.tables(page.markdown("scenes"))
    assert seen.material in {row["material"].text for row in scenes}
    assert all(row["in-out"].text and row["duration"].text.endswith("s") and row["narration"].text for row in scenes)
    assert all(0 <= float(row["match"].text) <= 1 for row in scenes)  # how well each picture fits its line
    [coverage] = page.tables(page.markdown("coverage"))
    [variant] = coverage
    assert variant["ok"].text == "yes" and seen.material in variant["used"].text
    assert variant["share used"].text == "100%"
    seo = page.markdown("seo")
    [titles] = page.tables(seo)
    assert len(titles) == 3 and [row["chosen"].text for row in titles].count("chosen") == 1
    assert "description:" in seo.text and "tags:" in seo.text
    page.screenshot("04-video-scripts")


def rendered_videos_shows_covers_materials_and_stable_links(page: Page, seen: Seen) -> None:
    page.open(f"/assets/rendered_videos?view=partitions&partition={seen.clean}", "Metadata")
    [[video]] = page.tables(page.markdown("videos"))
    page.screenshot("05-rendered-videos")
    assert video["status"].text == "ready" and loaded_inline_image(video["cover"])
    assert seen.material in video["materials"].text.split(", ")
    assert video["resolution"].text == "1080x1080" and video["duration"].text.endswith("s")
    link = video["video"].text
    assert link.startswith("file:///") and link.endswith(f"/requests/{seen.clean}/rendered_videos/v0/video.mp4")

    page.open(f"/assets/rendered_videos?view=partitions&partition={seen.partial}", "Metadata")
    videos = by_column(page.tables(page.markdown("videos"))[0], "variant")
    page.screenshot("06-rendered-videos-partial")
    assert loaded_inline_image(videos["v0"]["cover"]) and videos["v1"]["status"].text == "failed"
    assert "99999" in videos["v1"]["reason"].text and videos["v1"]["materials"].text == "#99999"


def failed_checks_are_visible_per_partition(page: Page, seen: Seen) -> None:
    page.open(
        "/assets/rendered_videos?view=checks&checkDetail=every_variant_rendered",
        "Every script variant became a video",
    )
    page.click_text("Execution history")
    page.wait_for_text(seen.partial)
    rows = [row.text for row in page.driver.find_elements(By.XPATH, "//tr[td]")]
    verdicts = {partition: row for row in rows for partition in (seen.clean, seen.partial) if partition in row}
    page.screenshot("07-check-history")
    assert "Failed" in verdicts[seen.partial] and "Passed" in verdicts[seen.clean], verdicts
    page.click_text("Partitions")
    page.wait_for_text("Failed (1)")
    assert "Passed (1)" in page.text()
    page.screenshot("08-check-partitions")


def the_catalog_shows_every_asset_with_its_description(page: Page) -> None:
    page.open("/assets", "Asset name")
    for asset in STAGES:
        # The catalog shows each description's beginning as plain text.
        beginning = " ".join(asset.descriptions_by_key[asset.key].split())[:100]
        page.wait(lambda expected=beginning: expected in " ".join(page.text().split()), f"{asset.key} description")
    page.screenshot("09-catalog-descriptions")


def by_column(rows: list[Row], column: str) -> dict[str, Row]:
    return {row[column].text: row for row in rows}
