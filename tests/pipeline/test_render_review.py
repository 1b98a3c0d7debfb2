"""A render rejected as black is kept for review (video + reason JSON) in the real S3 store, linked from the
request's status and from the checks' metadata, and expired with the other temporary objects."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
from sqlalchemy import select

from tests.pipeline.helpers import materialize, pipeline_resources, submit
from tests.render.dark_media import black_clip_with_speck
from tests.speed.samples import ARTICLE
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.render_reports import render_check_results
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo
from video_assets.db.report import request_report
from video_assets.db.repository import load_spec
from video_assets.housekeeping import expire_temp_objects
from video_assets.stages.review import review_keys
from video_assets.stages.verification import verify_render
from video_assets.storage import S3ObjectStore


def test_a_black_render_fails_and_is_kept_for_review_with_its_reason(
    postgres_url: str, s3_endpoint: str, s3_store: S3ObjectStore, tmp_path: Path
) -> None:
    root = tmp_path / "materials"
    black = black_clip_with_speck(root / "night-shift.mp4")
    request_id = submit(
        postgres_url,
        title="实验室的一天",
        markdown=ARTICLE,
        materials=[{"uri": str(black)}],
        video_count=1,
        aspect="16:9",
        target_duration=10,
    )
    resources = pipeline_resources(postgres_url, s3_endpoint, s3_store.bucket, tmp_path, [root])
    with dg.DagsterInstance.ephemeral() as instance:
        assert materialize([media_items, media_analyses, video_scripts], request_id, instance, resources).success
        assert not materialize([rendered_videos], request_id, instance, resources).success
    keys = review_keys(request_id, 0)
    with session_scope(postgres_url) as session:
        video = session.scalars(select(RenderedVideo).filter_by(request_id=request_id)).one()
        report = request_report(session, request_id)
        canvas = load_spec(session, request_id).canvas_size

    # The variant failed as black, nothing was published, and the status report links what was kept.
    assert video.status == "failed" and video.video_key is None and video.review_key == keys.video
    assert video.reason.startswith("failed checks not_mostly_black: black_frame_share=1.0")
    assert video.reason.endswith(f"kept for review at {keys.video}")
    assert report["videos"][0]["review"] == {"video_key": keys.video, "reason_key": keys.reason}

    # The reason JSON next to the video carries the verdict and every sampled frame's figures.
    verdict = json.loads(s3_store.get_bytes(keys.reason))
    assert verdict["failed_checks"] == ["not_mostly_black"] and verdict["reason"] == video.reason.split("; kept")[0]
    assert verdict["verification"] == video.verification
    assert len(verdict["frames"]) == video.verification["sampled_frames"] >= 3
    assert all(frame["black"] and frame["lit_share"] < 0.1 for frame in verdict["frames"])
    kept = verify_render(s3_store.download(keys.video, tmp_path / "kept.mp4"), video.verification["planned_duration"])
    assert kept.mostly_black() and kept.width == canvas[0]

    # The failed check shows its failing figure and the kept video; a check that passed shows no figures.
    checks = {
        name: (passed, details) for name, passed, details in render_check_results(postgres_url, request_id, canvas)
    }
    passed, details = checks["not_mostly_black"]
    assert not passed and details["failing_variants"] == ["v0"]
    assert details["failing_figures"]["v0"]["black_frame_share"] == 1.0
    assert details["kept_for_review"] == {"v0": keys.video}
    assert checks["duration_matches_plan"] == (True, checks["duration_matches_plan"][1])
    assert checks["duration_matches_plan"][1]["failing_figures"] == {}

    # Housekeeping expires the kept render with the other temporary objects, and leaves the materials alone.
    expired = expire_temp_objects(s3_store, ttl_seconds=3600, now=datetime.now(UTC) + timedelta(hours=2))
    assert set(expired) == {keys.video, keys.reason}
    assert not s3_store.exists(keys.video) and not s3_store.exists(keys.reason)
    assert s3_store.list(f"requests/{request_id}/media_items/")
