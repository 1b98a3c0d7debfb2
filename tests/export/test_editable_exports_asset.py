"""The editable_exports asset materialized through Dagster, downstream of a real render of a tiny request."""

from __future__ import annotations

import zipfile
from pathlib import Path

import dagster as dg

from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from tests.speed.samples import ARTICLE
from video_assets.assets.editable_exports import editable_exports
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.report import request_report

# What each zip must hold for an editor to open it, whatever else it carries.
REQUIRED_FILES = {
    "jianying": ("draft_info.json", "draft_content.json", "draft_meta_info.json", "INSTALL.txt"),
    "editor": ("timeline.otio", "timeline_fcp7.xml", "subtitles.srt", "manifest.json"),
}


def test_materializing_editable_exports_stores_both_zips_and_lists_them_in_metadata_and_status(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "materials"
    clip(root / "bars.mp4", 320, 320, seconds=4, source="testsrc")
    photo("rocket", root / "rocket.jpg", size=(320, 320))
    request_id = submit(
        sqlite_database_url,
        title="实验室的一天",
        markdown=ARTICLE,
        materials=[{"uri": str(root / "bars.mp4")}, {"uri": str(root / "rocket.jpg")}],
        video_count=1,
        aspect="1:1",
        target_duration=15,
    )
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [root])
    assets = [media_items, media_analyses, video_scripts, rendered_videos, editable_exports]
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize(assets, request_id, instance, resources)
        assert result.success
        [materialization] = result.asset_materializations_for_node("editable_exports")

    metadata = materialization.metadata
    assert metadata["variants_exported"].value == 1 and metadata["variants_failed"].value == 0
    listed = metadata["exports"].value["v0"]
    assert set(listed) == {"jianying", "editor"}
    with session_scope(sqlite_database_url) as session:
        [video] = request_report(session, request_id)["videos"]
    assert video["status"] == "ready" and video["exports"] == listed
    store = resources["object_store"].store()
    for kind, key in listed.items():
        assert key.startswith(f"requests/{request_id}/") and key.endswith(".zip")
        with zipfile.ZipFile(store.download(key, tmp_path / "zips" / f"{kind}.zip")) as archive:
            names = {Path(name).name for name in archive.namelist()}
        assert set(REQUIRED_FILES[kind]) <= names, f"{kind}: {sorted(names)}"
