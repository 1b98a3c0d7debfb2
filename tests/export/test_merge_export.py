"""An external merge's imported video gets the editor's package of the timeline submitted to the vendor (Easegen
stand-in over HTTP, real Postgres and S3 server); the Jianying draft is skipped with its reason recorded."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import opentimelineio as otio
import pytest
from sqlalchemy import select

from tests.media_samples import clip, photo
from tests.merge.fake_easegen import FakeEasegen, done
from tests.operations.test_external_merge import make_rig
from video_assets.assets.editable_exports import editable_exports
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, VideoScript
from video_assets.export.package import MERGE_DRAFT_SKIPPED
from video_assets.stages.merge_timeline import FPS


@pytest.fixture
def materials(tmp_path: Path) -> Path:
    root = tmp_path / "materials"
    photo("astronaut", root / "astronaut.jpg", size=(320, 320))
    photo("rocket", root / "rocket.jpg", size=(320, 320))
    clip(root / "bars.mp4", 320, 180, seconds=3, source="smptebars")
    return root


@pytest.fixture
def easegen() -> Iterator[FakeEasegen]:
    with FakeEasegen() as server:
        yield server


def test_an_imported_merge_gets_the_editor_package_of_the_timeline_it_submitted(
    postgres_url: str, s3_endpoint: str, s3_store, materials: Path, easegen: FakeEasegen, tmp_path: Path
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        rig = make_rig(postgres_url, s3_endpoint, s3_store.bucket, materials, easegen, tmp_path, instance)
        easegen.script(done(polls=1))
        rig.serve_vendor_video()
        assert rig.render().success
        assert rig.reconcile().success
        assert rig.videos()[0].status == "ready", rig.jobs()[0].error
        # The reconcile job's import makes the exports too: no pipeline run is left to do it.
        recorded = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=editable_exports.key, asset_partitions=[rig.request_id]), limit=1
        ).records
        assert recorded and recorded[0].asset_materialization.metadata["variants_exported"].value == 1

    video = rig.videos()[0]
    assert video.export_keys is not None and set(video.export_keys) == {"editor", "skipped"}
    assert video.export_keys["skipped"] == f"jianying: {MERGE_DRAFT_SKIPPED}"
    package = tmp_path / "package"
    with zipfile.ZipFile(s3_store.download(video.export_keys["editor"], tmp_path / "editor.zip")) as archive:
        archive.extractall(package)

    with session_scope(postgres_url) as session:
        scenes = session.scalars(select(VideoScript.scenes).filter_by(request_id=rig.request_id)).one()
        items = {item.id: item for item in session.scalars(select(MediaItem).filter_by(request_id=rig.request_id))}
        keys = {item_id: item.object_key for item_id, item in items.items()}
        kinds = {item_id: item.kind for item_id, item in items.items()}
    timeline = otio.adapters.read_from_file(str(package / "timeline.otio"))
    clips = list(timeline.video_tracks()[0].find_clips())
    manifest = {entry["path"]: entry for entry in json.loads((package / "manifest.json").read_text())["files"]}
    # A clip window shorter than its scene shows as its play, then a freeze frame: both belong to the scene.
    scene_of = [clip.metadata["video_assets"]["scene_index"] for clip in clips]
    assert sorted(set(scene_of)) == list(range(len(scenes)))
    position = 0
    for index, scene in enumerate(scenes):
        shown = [clip for clip, owner in zip(clips, scene_of, strict=True) if owner == index]
        assert shown[0].range_in_parent().start_time.to_frames() == position
        position += round(scene["planned_duration"] * FPS)
        assert shown[-1].range_in_parent().end_time_exclusive().to_frames() == position
        reference = shown[0].media_reference.target_url
        assert (package / reference).is_file()
        # The material itself, whole (an editor gets handles), not the segment the vendor was sent.
        assert manifest[reference]["object_key"] == keys[scene["material_id"]]
        if kinds[scene["material_id"]] == "video":
            source_start = shown[0].source_range.start_time.to_seconds()
            assert abs(source_start - scene["in_point"]) <= 1 / FPS
    assert manifest["timeline.otio"]["object_key"] == video.video_key
