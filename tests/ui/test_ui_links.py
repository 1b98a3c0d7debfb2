"""Operators' walks through the Dagster UI, in real chromium against the real webserver and a real pipeline run:
hostile text in a request is shown as text and makes the browser fetch nothing, and a rendered video leads to the
source file behind one of its scenes in a few clicks, the material's #id the same on every page on the way.

One test, because the pipeline run and the webserver are the expensive part. Screenshots land in
`test-output/ui-links/` (ignored by git)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dagster as dg
import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from sensors.launch import execute_request
from sensors.requests import REQUEST_TAG, REQUEST_TITLE_TAG
from tests.media_samples import clip, photo
from tests.pipeline.helpers import pipeline_resources, submit
from tests.ui.harness import chromium, code_settings, dagster_webserver, fresh_dagster_home
from tests.ui.pages import Page, Row, loaded_inline_image
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaAnalysis, MediaItem
from video_assets.definitions import build_definitions

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui-links"
ARTICLE = "# 实验室\n\n宇航员检查火箭模型。\n\n彩条画面用于设备自检。\n\n咖啡之后开始工作。"
TITLE = "实验室：宇航员检查火箭模型"
MAX_CLICKS = 5
WORD_JOINER = "\u2060"  # what safe_markdown puts inside URLs so the UI does not autolink them


class OutsideServer:
    """Stands for the outside host a hostile description points at: it records every request a browser makes."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
                server.paths.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keeps test output quiet
                return

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}"


@contextmanager
def outside_server() -> Iterator[OutsideServer]:
    outside = OutsideServer()
    thread = threading.Thread(target=outside.http.serve_forever, daemon=True)
    thread.start()
    try:
        yield outside
    finally:
        outside.http.shutdown()
        outside.http.server_close()


def test_hostile_descriptions_fetch_nothing_and_a_video_leads_to_a_scene_source_in_five_clicks(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, media = tmp_path / "home", tmp_path / "media"
    home.mkdir()
    dagster_home = fresh_dagster_home(tmp_path, SCREENSHOTS)
    settings = code_settings(home, postgres_url, media)
    with outside_server() as outside, dagster_webserver(dagster_home, settings, tmp_path) as server:
        # The in-process run builds the metadata links; they must point at this webserver.
        monkeypatch.setenv("VIDEO_ASSETS_UI_URL", server.url)
        monkeypatch.setenv("VIDEO_ASSETS_HOME", str(home))
        hostile = f"![x]({outside.url}/pixel.png) 宇航员"
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            request_id, material = run_request(instance, postgres_url, home, media, hostile)
        server.wait_until_loaded()
        server.graphql("mutation { setNuxSeen }")  # the first-visit newsletter dialog would cover the pages
        with chromium(tmp_path / "chromium-profile", tmp_path / "chromedriver.log") as driver:
            page = Page(driver, server.url, SCREENSHOTS)
            the_analyses_page_shows_the_hostile_description_as_text(page, request_id, material, hostile, outside)
            a_video_leads_to_the_source_of_a_scene(page, request_id, material)
        assert outside.paths == [], "the browser fetched the URL in a material description"


def run_request(
    instance: dg.DagsterInstance, database_url: str, home: Path, media: Path, hostile: str
) -> tuple[str, str]:
    """The request through the CLI's launcher; its run tags carry the title; returns (request id, "#<id>" of the
    photo whose description is hostile)."""
    astronaut = photo("astronaut", media / "astronaut.jpg")
    materials = [
        {"uri": str(astronaut), "description": hostile},
        {"uri": str(photo("rocket", media / "rocket.jpg"))},
        {"uri": str(clip(media / "bars.mp4", 640, 360, seconds=3, source="smptebars"))},
    ]
    request_id = submit(
        database_url,
        title=TITLE,
        markdown=ARTICLE,
        materials=materials,
        video_count=1,
        aspect="1:1",
        target_duration=15,
    )
    resources = pipeline_resources(database_url, None, "", home, [media])
    assert execute_request(instance, build_definitions(resources), request_id)
    [run] = instance.get_run_records(dg.RunsFilter(tags={REQUEST_TAG: request_id}))
    assert run.dagster_run.tags[REQUEST_TITLE_TAG] == TITLE
    with session_scope(database_url) as session:
        item = session.scalars(select(MediaItem).filter_by(request_id=request_id, source=str(astronaut))).one()
        analysis = session.scalars(select(MediaAnalysis).filter_by(media_item_id=item.id)).one()
        # The premise: the model's description carries the request's image link on to the analyses page.
        assert hostile.split(" ")[0] in analysis.description["description"], analysis.description
    return request_id, f"#{item.id}"


def the_analyses_page_shows_the_hostile_description_as_text(
    page: Page, request_id: str, material: str, hostile: str, outside: OutsideServer
) -> None:
    page.open(f"/assets/media_analyses?view=partitions&partition={request_id}", "Metadata")
    results = page.markdown("results")  # returns once every image in the table has loaded or failed
    page.screenshot("01-media-analyses")
    assert outside.paths == [], "the browser fetched the URL in a material description"
    row = by_column(page.tables(results)[0], "material")[material]
    shown = row["description"].text.replace(WORD_JOINER, "")
    assert hostile.split(" ")[0] in shown and not row["description"].images, row["description"]
    assert loaded_inline_image(row["thumbnail"])
    [source_link] = [href for text, href in page.links(results) if text == material]
    assert on_page(source_link, "media_items", request_id)


def a_video_leads_to_the_source_of_a_scene(page: Page, request_id: str, material: str) -> None:
    page.open(f"/assets/rendered_videos?view=partitions&partition={request_id}", "Metadata")
    page.clicks = 0
    assert TITLE in page.metadata_row("request_title").text
    [video] = page.tables(page.markdown("videos"))[0]
    assert material in video["materials"].text.split(", ")
    page.close_dialog()
    page.screenshot("02-rendered-videos")

    page.click(page.metadata_row("upstream video_scripts").find_element(By.TAG_NAME, "a"))
    page.driver.switch_to.window(page.driver.window_handles[-1])  # the UI opens URL metadata in a new tab
    page.wait_for_text("Metadata")
    assert on_page(page.driver.current_url, "video_scripts", request_id)
    scenes = page.markdown("scenes")
    assert material in {row["material"].text for row in page.tables(scenes)[0]}
    page.screenshot("03-video-scripts")

    to_sources = [
        link
        for link in scenes.find_elements(By.XPATH, f".//a[normalize-space(.)='{material}']")
        if on_page(link.get_attribute("href") or "", "media_items", request_id)
    ]
    assert to_sources, page.links(scenes)
    page.click(to_sources[0])
    page.wait_for_text("Metadata")
    assert on_page(page.driver.current_url, "media_items", request_id)
    row = by_column(page.tables(page.markdown("items"))[0], "material")[material]
    page.screenshot("04-media-items")
    assert row["source"].text.endswith("/astronaut.jpg") and row["status"].text == "ready"
    assert loaded_inline_image(row["thumbnail"])
    assert page.clicks <= MAX_CLICKS, f"{page.clicks} clicks from the video to the source of a scene"


def on_page(url: str, asset: str, partition: str) -> bool:
    parsed = urlparse(url)
    return parsed.path == f"/assets/{asset}" and parse_qs(parsed.query).get("partition") == [partition]


def by_column(rows: list[Row], column: str) -> dict[str, Row]:
    return {row[column].text: row for row in rows}
