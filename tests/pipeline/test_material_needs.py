"""A copy of a material is stored and counted once, odd pictures never count, and a request whose usable materials
cannot make its video fails at media_items with the reasons, before any analysis or script."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from tests.fixtures.media import MediaServer
from tests.fixtures.odd_media import flat_grey_1080p_jpeg, tracking_pixel_gif
from tests.media_samples import photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import every_material_has_a_row, media_items
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaAnalysis, MediaItem, VideoScript
from video_assets.db.repository import get_request

STEPS = [media_items, every_material_has_a_row, media_analyses, video_scripts]
PARAGRAPHS = [
    "早上七点，实验室的灯一盏盏亮起来，咖啡机开始工作。",
    "工程师们围在屏幕前，检查昨晚跑完的测试结果。",
    "下午，新样机第一次点亮，所有人都松了一口气。",
]


def article(image_urls: list[str]) -> str:
    """The paragraphs with the images spread between them, as a converted feed article has them."""
    lines = ["# 实验室的一天", ""]
    for index, paragraph in enumerate(PARAGRAPHS):
        lines += [paragraph, ""]
        lines += [f"![图{index}-{n}]({url})" for n, url in enumerate(image_urls[index :: len(PARAGRAPHS)])] + [""]
    return "\n".join(lines)


def rows(database_url: str, request_id: str) -> list[MediaItem]:
    with session_scope(database_url) as session:
        query = select(MediaItem).where(MediaItem.request_id == request_id).order_by(MediaItem.position)
        return list(session.scalars(query))


def count(database_url: str, model: type[MediaAnalysis] | type[VideoScript], request_id: str) -> int:
    with session_scope(database_url) as session:
        return len(list(session.scalars(select(model).where(model.request_id == request_id))))


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "media"
    return {
        "coffee": photo("coffee", root / "coffee.jpg", size=(480, 320)),
        "rocket": photo("rocket", root / "rocket.jpg", size=(480, 320)),
        "pixel": tracking_pixel_gif(root / "pixel.gif"),
        "grey": flat_grey_1080p_jpeg(root / "grey.jpg"),
    }


def test_the_same_picture_under_several_addresses_is_stored_and_counted_once_and_odd_pictures_not_at_all(
    postgres_url: str, server: MediaServer, photos: dict[str, Path], tmp_path: Path
) -> None:
    # Fourteen addresses of one photo and another photo would be 15 materials: a script must show 12 of them, more
    # than a 10 s video (11.5 s at most) holds at the render's shortest scene of 1 s. Stored once, they are two.
    paths = [f"/{folder}/coffee.jpg" for folder in ("a", "b", "cdn", "mirror", "amp", "m", "static")]
    copies = [server.serve_file(path, photos["coffee"]) for path in paths]
    copies += [f"{url}?utm_source=feed" for url in copies]
    other = server.serve_file("/rocket.jpg", photos["rocket"])
    pixel = server.serve_file("/t.gif", photos["pixel"])
    grey = server.serve_file("/spacer.jpg", photos["grey"])
    request_id = submit(
        postgres_url,
        title="实验室的一天",
        markdown=article([*copies, other, pixel, grey]),
        video_count=1,
        target_duration=10,
    )
    resources = pipeline_resources(postgres_url, None, "", tmp_path, [], allow_hosts=["127.0.0.1"])

    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize(STEPS, request_id, instance, resources)

    assert result.success
    by_source = {row.source: row for row in rows(postgres_url, request_id)}
    original = min((by_source[uri] for uri in copies), key=lambda row: row.position)
    assert original.status == "ready" and original.object_key
    for uri in copies:
        row = by_source[uri]
        if row is not original:
            assert row.status == "duplicate" and row.object_key is None, (uri, row.status, row.reason)
            assert row.sha256 == original.sha256
            assert row.reason and f"as material #{original.id} {original.source}" in row.reason
    assert by_source[other].status == "ready"
    assert by_source[pixel].status == "rejected" and "1x1 px" in (by_source[pixel].reason or "")
    assert by_source[grey].status == "rejected" and "flat colour" in (by_source[grey].reason or "")
    assert all(check.passed for check in result.get_asset_check_evaluations())
    with session_scope(postgres_url) as session:
        (script,) = session.scalars(select(VideoScript).where(VideoScript.request_id == request_id))
        shown = script.coverage["used_ids"] + script.coverage["unused_ids"]
    assert script.coverage["ok"] and sorted(shown) == sorted([original.id, by_source[other].id])
    metadata = result.asset_materializations_for_node("media_items")[0].metadata
    assert (metadata["ready"].value, metadata["duplicates"].value, metadata["rejected"].value) == (2, 13, 2)


def test_a_request_whose_every_material_is_missing_fails_at_media_items_naming_each_one(
    postgres_url: str, server: MediaServer, tmp_path: Path
) -> None:
    missing = [server.url(f"/gone/{name}") for name in ("a.jpg", "b.png", "c.mp4")]
    request_id = submit(postgres_url, materials=[{"uri": uri} for uri in missing])
    resources = pipeline_resources(postgres_url, None, "", tmp_path, [], allow_hosts=["127.0.0.1"])

    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize(STEPS, request_id, instance, resources)

    assert not result.success
    assert [event.step_key for event in result.get_step_failure_events()] == ["media_items"]
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        assert (request.status, request.stage) == ("failed", "media_items")
        assert request.error.startswith("no usable material: ")
        assert all(f"{uri}: server answered HTTP 404" in request.error for uri in missing), request.error
    assert count(postgres_url, MediaAnalysis, request_id) == 0
    assert count(postgres_url, VideoScript, request_id) == 0


def test_more_distinct_materials_than_the_target_duration_can_show_fail_at_media_items(
    postgres_url: str, server: MediaServer, tmp_path: Path
) -> None:
    names = ("astronaut", "coffee", "rocket", "chelsea", "camera", "coins", "hubble_deep_field")
    urls = [server.serve_file(f"/{name}.jpg", photo(name, tmp_path / f"{name}.jpg", size=(320, 240))) for name in names]
    urls.append(server.url("/gone.jpg"))
    request_id = submit(postgres_url, materials=[{"uri": uri} for uri in urls], target_duration=5)
    resources = pipeline_resources(postgres_url, None, "", tmp_path, [], allow_hosts=["127.0.0.1"])

    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize(STEPS, request_id, instance, resources)

    assert not result.success
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
    assert (request.status, request.stage) == ("failed", "media_items")
    assert "a 5s video (at most 5.75s) cannot show the 6 materials the coverage rule requires of the 7 usable" in (
        request.error
    )
    assert f"not usable: {urls[-1]}: server answered HTTP 404" in request.error
    assert count(postgres_url, VideoScript, request_id) == 0
