"""One real render (small canvas, ultrafast) stored in a moto S3 bucket, its timeline saved and both exports made."""

from __future__ import annotations

import os
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from tests.media_samples import clip, photo, tone
from video_assets.export import export_variant
from video_assets.render import RenderJob, RenderResult, SceneClip, render_video
from video_assets.render.saved_timeline import SavedTimeline
from video_assets.request_schema import Bgm, SubtitleStyle, Transition
from video_assets.stages.render_timeline import store_timeline
from video_assets.storage import ObjectStore, S3ObjectStore, request_key
from video_assets.tts import EspeakTts

REQUEST = "export-test"
CANVAS = (180, 320)


@dataclass(frozen=True)
class Exported:
    result: RenderResult
    timeline: SavedTimeline
    zips: dict[str, Path]
    unpacked: dict[str, Path]
    store: ObjectStore


@pytest.fixture(scope="module")
def s3_module_store(s3_endpoint: str) -> Iterator[S3ObjectStore]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
        store = S3ObjectStore(client, f"export-{uuid.uuid4().hex[:12]}")
        store.ensure_bucket()
        yield store


@pytest.fixture(scope="module")
def exported(s3_module_store: S3ObjectStore, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = tmp_path_factory.mktemp("export")
    # Portrait clips close to the canvas aspect are cover-cropped, so every frame can be rebuilt exactly.
    # testsrc2 changes every frame, so a frame off shows; the narrower clip is cropped off centre.
    moving = clip(root / "moving.mp4", 200, 352, seconds=6)
    narrow = clip(root / "narrow.mp4", 192, 320, seconds=6)
    picture = photo("astronaut", root / "astronaut.jpg", size=(240, 240))
    short = clip(root / "short.mp4", 200, 352, seconds=0.8)  # slowed 1.5x, then its last frame held
    scenes = [
        # An in point between two frames: the frame on screen there starts before it.
        SceneClip(moving, "video", 200, 352, source_duration=6.0, in_point=0.51, narration="one small step"),
        SceneClip(picture, "image", 240, 240, narration="a giant leap"),
        # 1.3 s for a scene of 1.5 s or more (at least 1 s, plus the transition): slowed by less than 1.5x, never held.
        SceneClip(narrow, "video", 192, 320, source_duration=6.0, in_point=1.0, out_point=2.3, narration="for all"),
        SceneClip(short, "video", 200, 352, source_duration=0.8, narration="a short shot, held while this is read"),
    ]
    job = RenderJob(
        scenes=scenes,
        canvas=CANVAS,
        language="en",
        transition=Transition(type="fade", duration=0.5),
        subtitles=SubtitleStyle(enabled=False),  # nothing burnt in: rebuilt frames compare with the picture alone
        bgm_path=tone(root / "music.mp3", 3, frequency=220),
        bgm=Bgm(uri="s3://bucket/music.mp3"),
        title="Export",
        preset="ultrafast",
    )
    result = render_video(job, EspeakTts(speed=220), root / "render")
    store = s3_module_store
    media_keys = []
    for scene in scenes:
        key = request_key(REQUEST, "media_items", scene.media_path.name)
        store.put_file(key, scene.media_path)
        media_keys.append(key)
    uploaded: dict[str, object] = {}
    for field, path in (
        ("video_key", result.video_path),
        ("cover_key", result.cover_path),
        ("srt_key", result.srt_path),
        ("ass_key", result.ass_path),
    ):
        key = request_key(REQUEST, "rendered_videos", "v0", Path(str(path)).name)
        store.put_file(key, Path(str(path)))
        uploaded[field] = key
    timeline_key = store_timeline(REQUEST, 0, job, result, uploaded, media_keys, store)
    keys = export_variant(store, REQUEST, 0, timeline_key, ["jianying", "editor"], root / "exports")
    zips, unpacked = {}, {}
    for kind, key in keys.items():
        zips[kind] = store.download(key, root / "downloads" / f"{kind}.zip")
        unpacked[kind] = root / "unpacked" / kind
        with zipfile.ZipFile(zips[kind]) as archive:
            archive.extractall(unpacked[kind])
    timeline = SavedTimeline.model_validate_json(store.get_bytes(timeline_key))
    assert os.path.getsize(result.video_path) > 0
    return Exported(result=result, timeline=timeline, zips=zips, unpacked=unpacked, store=store)
