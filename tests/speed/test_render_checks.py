"""Each render check fails on a real file that breaks it, and a variant that fails one does not complete the request."""

from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from resources.database import DatabaseResource
from sensors.failures import record_failed_run
from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from tests.render.dark_media import black_clip_with_speck
from tests.speed.samples import ARTICLE
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, RenderedVideo, VideoScript
from video_assets.db.repository import get_request
from video_assets.stages.verification import RenderVerification, verify_render

CANVAS = (320, 320)
PLANNED = 3.0


@pytest.mark.parametrize(
    ("failing", "options"),
    [
        (set(), {}),
        ({"not_mostly_black"}, {"source": "color=c=black"}),
        ({"has_audio_stream"}, {"audio": False}),
        ({"canvas_resolution"}, {"height": 240}),
        ({"duration_matches_plan"}, {"seconds": 4.5}),
    ],
    ids=["good", "black", "no-audio", "wrong-size", "wrong-duration"],
)
def test_each_render_check_fails_only_on_the_file_that_breaks_it(
    tmp_path: Path, failing: set[str], options: dict
) -> None:
    video = clip(tmp_path / "out.mp4", **{"width": 320, "height": 320, "seconds": PLANNED, **options})
    verification = verify_render(video, PLANNED)
    assert verification.sampled_frames >= 1
    assert {name for name, ok in verification.verdicts(CANVAS).items() if not ok} == failing
    reason = verification.failure_reason(CANVAS)
    assert (reason is None) == (not failing)
    assert all(name in (reason or "") for name in failing)
    assert RenderVerification.from_record(verification.as_record()) == verification


def test_a_variant_whose_video_is_black_fails_and_the_request_is_not_completed(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "materials"
    materials = [
        photo("astronaut", root / "astronaut.jpg"),
        # A flat black clip is refused at ingestion; one white speck gets it through and still renders black.
        black_clip_with_speck(root / "black.mp4"),
    ]
    request_id = submit(
        sqlite_database_url,
        title="实验室的一天",
        markdown=ARTICLE,
        materials=[{"uri": str(path)} for path in materials],
        video_count=2,
        aspect="1:1",
        target_duration=20,
        subtitle_style={"enabled": False},
    )
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [root])
    with dg.DagsterInstance.ephemeral() as instance:
        assert materialize([media_items, media_analyses, video_scripts], request_id, instance, resources).success
        with session_scope(sqlite_database_url) as session:
            items = {Path(item.source).name: item.id for item in session.scalars(select(MediaItem))}
            for script in session.scalars(select(VideoScript).filter_by(request_id=request_id)):
                shown = items["black.mp4" if script.variant_index == 1 else "astronaut.jpg"]
                script.scenes = [{**scene, "material_id": shown} for scene in script.scenes]
        result = materialize([rendered_videos], request_id, instance, resources)
        # v1's render step fails, so Dagster skips the fan-in: the failed run's handling (the dead-letter sensor's)
        # settles the request and records the checks in that run.
        store = resources["object_store"].store()
        record_failed_run(DatabaseResource(url=sqlite_database_url), store, instance, result.dagster_run, None)
        evaluations = instance.get_records_for_run(
            result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
    checks = {
        record.event_log_entry.dagster_event.asset_check_evaluation_data.check_name: (
            record.event_log_entry.dagster_event.asset_check_evaluation_data
        )
        for record in evaluations
    }
    assert not checks["not_mostly_black"].passed
    assert checks["not_mostly_black"].metadata["failing_variants"].value == ["v1"]
    assert all(checks[name].passed for name in ("duration_matches_plan", "canvas_resolution", "has_audio_stream"))
    with session_scope(sqlite_database_url) as session:
        request = get_request(session, request_id)
        videos = {v.variant_index: v for v in session.scalars(select(RenderedVideo).filter_by(request_id=request_id))}
    assert request.status == "partial_success" and "not_mostly_black" in request.error
    assert videos[0].status == "ready" and videos[0].verification["black_frame_share"] == 0.0
    assert videos[1].status == "failed" and videos[1].video_key is None
    assert videos[1].verification["black_frame_share"] == 1.0
    assert set(videos[0].stage_seconds) >= {"tts", "materials", "stills", "ffmpeg", "verify", "upload"}
