from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from tests.fixtures.media import MediaServer, Samples
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.media_items import every_material_has_a_row, media_items
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem
from video_assets.db.repository import get_request


def rows_by_source(database_url: str, request_id: str) -> dict[str, MediaItem]:
    with session_scope(database_url) as session:
        rows = session.scalars(select(MediaItem).where(MediaItem.request_id == request_id))
        return {row.source: row for row in rows}


def test_mixed_request_ingests_good_materials_and_explains_every_rejection(
    postgres_url: str, s3_endpoint: str, s3_store, samples: Samples, server: MediaServer, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x00" * (6 * 1024 * 1024))
    # The same photo outside the allowed prefix and under another request's keys: readable, yet refused.
    for key in ("inbox/cat.jpg", "elsewhere/cat.jpg", "requests/req_other/media_items/000/media.jpg"):
        s3_store.client.upload_file(str(samples["photo_small.jpg"]), s3_store.bucket, key)
    good = {
        str(samples["photo_large.jpg"]): ("image", 512, 512),
        str(samples["photo_exif6.jpg"]): ("image", 200, 300),
        str(samples["landscape.mp4"]): ("video", 640, 360),
        str(samples["portrait.mp4"]): ("video", 360, 640),
        str(samples["rotated90.mp4"]): ("video", 180, 320),
        server.serve_file("/wide.png", samples["photo_wide.png"]): ("image", 400, 100),
        f"s3://{s3_store.bucket}/inbox/cat.jpg": ("image", 160, 120),
    }
    bad = {
        server.serve_file("/big.bin", big): "limit",
        str(samples["empty.jpg"]): "empty",
        str(samples["truncated.mp4"]): "",
        str(samples["page.jpg"]): "text/html",
        str(samples["bomb.png"]): "pixel",
        "http://10.1.2.3/private.jpg": "private",
        "/etc/passwd": "outside",
        f"s3://{s3_store.bucket}/elsewhere/cat.jpg": "not under an allowed material source",
        f"s3://{s3_store.bucket}/requests/req_other/media_items/000/media.jpg": "belongs to another request",
    }
    request_id = submit(postgres_url, materials=[{"uri": uri} for uri in [*good, *bad]])
    resources = pipeline_resources(
        postgres_url,
        s3_endpoint,
        s3_store.bucket,
        tmp_path,
        [samples.root],
        allow_hosts=["127.0.0.1"],
        s3_material_sources=[f"{s3_store.bucket}/inbox/"],
    )

    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items, every_material_has_a_row], request_id, instance, resources)

    assert result.success
    rows = rows_by_source(postgres_url, request_id)
    assert len(rows) == len(good) + len(bad)
    for uri, (kind, width, height) in good.items():
        row = rows[uri]
        assert (row.status, row.kind, row.width, row.height) == ("ready", kind, width, height), row.reason
        assert s3_store.exists(row.object_key) and s3_store.exists(row.thumbnail_key)
        assert row.keyframe_keys and all(s3_store.exists(key) for key in row.keyframe_keys)
    assert rows[str(samples["rotated90.mp4"])].rotation == 90
    assert rows[str(samples["landscape.mp4"])].duration == pytest.approx(1.0, abs=0.1)
    for uri, phrase in bad.items():
        assert rows[uri].status == "rejected"
        assert rows[uri].reason and phrase.lower() in rows[uri].reason.lower(), rows[uri].reason
    check = result.get_asset_check_evaluations()[0]
    assert check.passed
    materialization = result.asset_materializations_for_node("media_items")[0]
    assert materialization.metadata["ready"].value == len(good)
    assert "rejected" in materialization.metadata["items"].value
    with session_scope(postgres_url) as session:
        assert get_request(session, request_id).stage == "media_items"


def test_rerun_reuses_ready_items_without_duplicating_rows(database_url: str, samples: Samples, tmp_path: Path) -> None:
    request_id = submit(database_url, materials=[{"uri": str(samples["photo_small.jpg"])}])
    resources = pipeline_resources(database_url, None, "", tmp_path, [samples.root])
    with dg.DagsterInstance.ephemeral() as instance:
        first = materialize([media_items], request_id, instance, resources)
        second = materialize([media_items], request_id, instance, resources)
    assert first.success and second.success
    assert len(rows_by_source(database_url, request_id)) == 1
    assert second.asset_materializations_for_node("media_items")[0].metadata["reused_from_previous_attempt"].value == 1


def test_request_with_no_usable_material_fails_with_the_reasons(
    database_url: str, samples: Samples, tmp_path: Path
) -> None:
    request_id = submit(database_url, materials=[{"uri": str(samples["page.jpg"])}, {"uri": str(samples["empty.jpg"])}])
    resources = pipeline_resources(database_url, None, "", tmp_path, [samples.root])
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items], request_id, instance, resources)
    assert not result.success
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        assert request.status == "failed"
        assert "no usable material" in request.error and "text/html" in request.error and "empty" in request.error
