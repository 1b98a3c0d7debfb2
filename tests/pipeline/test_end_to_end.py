from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from resources.database import DatabaseResource
from resources.llm import LlmResource
from sensors.failures import dead_letter_sensor, record_failed_run
from sensors.launch import execute_request, sensor_tick, unfinished_stages
from tests.media_samples import clip, photo, tone
from tests.pipeline.helpers import RENDERED_VIDEOS_METADATA_FIELDS, materialize, pipeline_resources, submit
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import DeadLetter, RenderedVideo, VideoScript
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions

ARTICLE = """# 小小实验室

清晨的实验室里，宇航员正在检查火箭的模型。每一个零件都需要仔细核对。

## 测试

屏幕上的彩条和图案是设备自检的画面，工程师用它们确认摄像头工作正常。

一杯咖啡之后，大家开始了新一天的工作。
"""


@pytest.fixture(scope="module")
def materials(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("e2e")
    return [
        photo("astronaut", root / "astronaut.jpg"),
        photo("rocket", root / "rocket.jpg"),
        photo("coffee", root / "coffee.jpg", exif_orientation=6),
        clip(root / "bars.mp4", 640, 360, seconds=3, source="smptebars"),
        clip(root / "phone.mp4", 320, 180, seconds=3, rotation=90),
    ]


@pytest.fixture(scope="module")
def bgm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tone(tmp_path_factory.mktemp("bgm") / "music.mp3", 3, frequency=220)


def request_fields(materials: list[Path], bgm: Path, video_count: int = 2) -> dict:
    return {
        "title": "小小实验室",
        "markdown": ARTICLE,
        "materials": [{"uri": str(path)} for path in materials],
        "video_count": video_count,
        "aspect": "1:1",
        "target_duration": 20,
        "watermark": {"text": "x' : \\ [a] , ; %{localtime}", "corner": "bottom-left"},
        "bgm": {"uri": str(bgm)},
        "platforms": ["douyin", "bilibili"],
    }


def test_sensor_launched_run_renders_every_variant_and_completes_the_request(
    postgres_url: str, s3_endpoint: str, s3_store, materials: list[Path], bgm: Path, tmp_path: Path
) -> None:
    request_id = submit(postgres_url, **request_fields(materials, bgm))
    resources = pipeline_resources(
        postgres_url, s3_endpoint, s3_store.bucket, tmp_path, [materials[0].parent, bgm.parent]
    )
    defs = build_definitions(resources)
    with dg.DagsterInstance.ephemeral() as instance:
        assert sensor_tick(instance, defs, limit=50) == [request_id]
        assert execute_request(instance, defs, request_id)
        checks = {
            key.name: instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key].status.value
            for key in defs.resolve_job_def("video_pipeline").asset_layer.asset_graph.asset_check_keys
        }
        [record] = instance.fetch_materializations(dg.AssetKey("rendered_videos"), limit=10).records
    assert set(record.asset_materialization.metadata) == RENDERED_VIDEOS_METADATA_FIELDS
    assert set(checks.values()) == {"SUCCEEDED"}, checks
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        videos = list(session.scalars(select(RenderedVideo).where(RenderedVideo.request_id == request_id)))
    assert (request.status, request.progress, request.error) == ("completed", 1.0, None)
    assert sorted(v.variant_index for v in videos) == [0, 1]
    for video in videos:
        assert video.status == "ready" and (video.width, video.height) == (1080, 1080)
        assert abs(video.duration - video.planned_duration) <= 0.5
        for key in (video.video_key, video.cover_key, video.ass_key, video.srt_key):
            assert s3_store.exists(key)
        assert set(video.cover_keys) == {"douyin", "bilibili"}
        assert all(s3_store.exists(key) for key in video.cover_keys.values())


def test_one_broken_variant_gives_partial_success_and_keeps_the_other(
    sqlite_database_url: str, materials: list[Path], bgm: Path, tmp_path: Path
) -> None:
    request_id = submit(sqlite_database_url, **request_fields(materials, bgm))
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [materials[0].parent, bgm.parent])
    with dg.DagsterInstance.ephemeral() as instance:
        assert materialize([media_items, media_analyses, video_scripts], request_id, instance, resources).success
        with session_scope(sqlite_database_url) as session:
            broken = session.scalars(select(VideoScript).filter_by(request_id=request_id, variant_index=1)).one()
            broken.scenes = [{**scene, "material_id": 99999} for scene in broken.scenes]
        result = materialize([rendered_videos], request_id, instance, resources)
        failed_steps = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
        # What the dead-letter sensor does with the failed run (the CLI's runs do the same in-process).
        store = resources["object_store"].store()
        record_failed_run(DatabaseResource(url=sqlite_database_url), store, instance, result.dagster_run, None)
        [materialized] = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("rendered_videos"), asset_partitions=[request_id]), limit=5
        ).records
        check = dg.AssetCheckKey(dg.AssetKey("rendered_videos"), "every_variant_rendered")
        lost = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])[check]
    # The lost variant's own step is red; the other variant still rendered, and the failed run records the
    # aggregate the skipped fan-in would have: the partition's materialization and the checks' verdicts.
    assert not result.success and failed_steps == ["rendered_videos.render_one[v1]"]
    assert materialized.run_id == result.run_id
    assert materialized.asset_materialization.metadata["request_status"].value == "partial_success"
    evaluation = lost.event.dagster_event.asset_check_evaluation_data
    assert lost.run_id == result.run_id and not evaluation.passed and evaluation.partition == request_id
    assert "v1" in evaluation.metadata["lost_variants"].value
    with session_scope(sqlite_database_url) as session:
        request = get_request(session, request_id)
        videos = {v.variant_index: v for v in session.scalars(select(RenderedVideo).filter_by(request_id=request_id))}
    assert request.status == "partial_success"
    assert videos[0].status == "ready"
    assert videos[1].status == "failed" and "99999" in videos[1].reason
    assert "v1" in request.error


def test_failed_run_leaves_a_dead_letter_and_a_failed_request(
    sqlite_database_url: str, materials: list[Path], bgm: Path, tmp_path: Path
) -> None:
    request_id = submit(sqlite_database_url, materials=[{"uri": "/nonexistent/outside-roots.jpg"}])
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [materials[0].parent])
    defs = build_definitions(resources)
    with dg.DagsterInstance.ephemeral() as instance:
        assert not execute_request(instance, defs, request_id)
        run = instance.get_runs()[0]
        failure = next(
            record.event_log_entry.dagster_event
            for record in instance.get_records_for_run(run.run_id).records
            if record.event_log_entry.dagster_event
            and record.event_log_entry.dagster_event.event_type_value == "PIPELINE_FAILURE"
        )
        sensor_resources = {
            "database": DatabaseResource(url=sqlite_database_url),
            "object_store": resources["object_store"],
        }
        with dg.build_run_status_sensor_context(
            sensor_name="dead_letter_sensor",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=run,
            resources=sensor_resources,
        ).for_run_failure() as context:
            dead_letter_sensor(context)
            dead_letter_sensor(context)
    with session_scope(sqlite_database_url) as session:
        letters = list(session.scalars(select(DeadLetter).filter_by(request_id=request_id)))
        request = get_request(session, request_id)
    assert len(letters) == 1 and letters[0].stage == "media_items" and letters[0].run_id == run.run_id
    assert request.status == "failed" and "outside" in request.error


def test_retry_resumes_from_the_failed_stage_without_redoing_finished_ones(
    sqlite_database_url: str, materials: list[Path], bgm: Path, tmp_path: Path
) -> None:
    request_id = submit(sqlite_database_url, **request_fields(materials, bgm, video_count=1))
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [materials[0].parent, bgm.parent])
    unreachable = LlmResource(
        backend="openai", base_url="http://127.0.0.1:9/v1", api_key="k", text_model="m", max_retries=0
    )
    with dg.DagsterInstance.ephemeral() as instance:
        assert not execute_request(instance, build_definitions({**resources, "llm": unreachable}), request_id)
        with session_scope(sqlite_database_url) as session:
            assert get_request(session, request_id).stage == "media_analyses"
        assert unfinished_stages(instance, request_id) == [
            "media_analyses",
            "video_scripts",
            "rendered_videos",
            "editable_exports",
        ]
        assert execute_request(instance, build_definitions(resources), request_id, resume=True)
        media_runs = instance.fetch_materializations(dg.AssetKey("media_items"), limit=10).records
    assert len(media_runs) == 1
    with session_scope(sqlite_database_url) as session:
        assert get_request(session, request_id).status == "completed"
