"""Every way of running a request follows the pipeline's rules, and a failure shows on the step where it happened.

The runs here are the real asset graph on real Postgres, real media, espeak-ng and ffmpeg: `execute_request` is the
CLI's launch of `video_pipeline`, and the implicit `__ASSET_JOB` with a `dagster/backfill` tag is what the UI's
"Materialize all" / "Launch backfill" on the asset graph launches."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from sensors.launch import execute_request
from sensors.requests import MAX_RUNTIME_TAG, RUN_TIME_LIMIT_SECONDS
from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.media_items import media_items
from video_assets.db.engine import session_scope
from video_assets.db.models import DeadLetter, RequestEvent, VideoRequest
from video_assets.db.repository import get_request, list_events
from video_assets.definitions import build_definitions

ARTICLE = "# 实验室\n\n宇航员检查火箭模型。\n\n彩条画面用于设备自检。"
BACKFILL_ID = "bkfl0001"


@pytest.fixture
def materials(tmp_path: Path) -> Path:
    root = tmp_path / "materials"
    photo("astronaut", root / "astronaut.jpg")
    clip(root / "bars.mp4", 640, 360, seconds=3, source="smptebars")
    return root


def submit_with_logo_deleted_after_submit(database_url: str, materials: Path) -> tuple[str, Path]:
    """A one-video request whose watermark image is there at submit and gone when the render fetches it."""
    logo = photo("coffee", materials / "logo.png", size=(120, 120))
    request_id = submit(
        database_url,
        title="实验室",
        markdown=ARTICLE,
        materials=[{"uri": str(materials / name)} for name in ("astronaut.jpg", "bars.mp4")],
        video_count=1,
        aspect="1:1",
        target_duration=8,
        watermark={"image_uri": str(logo)},
    )
    logo.unlink()
    return request_id, logo


def run_with_the_logo_missing(
    instance: dg.DagsterInstance, database_url: str, materials: Path, tmp_path: Path
) -> tuple[str, Path, dg.Definitions]:
    """Submit that request and run it as the CLI does; its only variant fails on the missing logo."""
    request_id, logo = submit_with_logo_deleted_after_submit(database_url, materials)
    defs = build_definitions(pipeline_resources(database_url, None, "", tmp_path, [materials]))
    assert not execute_request(instance, defs, request_id)
    return request_id, logo, defs


def step_failures(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """step key -> the reason its step failed with, read back from the run's event log."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    return {
        record.event_log_entry.step_key or "": record.event_log_entry.dagster_event.step_failure_data.error.message
        for record in records
    }


def observed_reasons(instance: dg.DagsterInstance, asset: str, request_id: str) -> list[str]:
    records = instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[request_id]), limit=10
    ).records
    return [record.asset_observation.metadata["reason"].value for record in records]


def test_a_variant_that_fails_shows_red_on_its_render_step_and_the_reason_on_its_partition(
    postgres_url: str, materials: Path, tmp_path: Path
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        request_id, logo, _ = run_with_the_logo_missing(instance, postgres_url, materials, tmp_path)
        [run] = instance.get_runs()
        failures = step_failures(instance, run.run_id)
        rendered_reasons = observed_reasons(instance, "rendered_videos", request_id)
        scripts_reasons = observed_reasons(instance, "video_scripts", request_id)

    assert list(failures) == ["rendered_videos.render_one[v0]"], failures
    assert logo.name in failures["rendered_videos.render_one[v0]"]
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        letters = list(session.scalars(select(DeadLetter).filter_by(request_id=request_id)))
    assert request.status == "failed" and request.stage == "rendered_videos" and logo.name in request.error
    assert len(letters) == 1 and letters[0].run_id == run.run_id and logo.name in letters[0].error
    assert len(rendered_reasons) == 1 and logo.name in rendered_reasons[0]
    assert scripts_reasons == []  # video_scripts materialized: its page needs no excuse


def test_an_asset_job_backfill_run_adopts_the_failed_request_completes_it_and_resolves_its_dead_letter(
    postgres_url: str, materials: Path, tmp_path: Path
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        request_id, logo, defs = run_with_the_logo_missing(instance, postgres_url, materials, tmp_path)
        photo("coffee", logo, size=(120, 120))  # the operator puts the file back, then backfills from the UI

        backfill = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key=request_id, instance=instance, tags={"dagster/backfill": BACKFILL_ID}, raise_on_error=False
        )

        assert backfill.success
        run = instance.get_run_by_id(backfill.run_id)
    assert run is not None and run.job_name == "__ASSET_JOB"
    assert run.tags["request_id"] == request_id
    assert run.tags[MAX_RUNTIME_TAG] == str(RUN_TIME_LIMIT_SECONDS)
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        open_letters = session.scalar(
            select(func.count()).select_from(DeadLetter).filter_by(request_id=request_id, resolved_at=None)
        )
        resolved = session.scalar(select(func.count()).select_from(DeadLetter).filter_by(request_id=request_id))
        events = [(event.kind, event.message, event.data) for event in list_events(session, request_id)]
    assert request.status == "completed" and request.dagster_run_id == backfill.run_id
    assert open_letters == 0 and resolved == 1
    started = [(message, data) for kind, message, data in events if kind == "run_started"]
    assert len(started) == 2, started  # the CLI's run, then the backfill's: one event per run, not per step
    assert "the video-assets CLI" in started[0][0]
    message, data = started[1]
    assert backfill.run_id in message and f"backfill {BACKFILL_ID}" in message
    assert data == {"job": "__ASSET_JOB", "backfill_id": BACKFILL_ID}
    kinds = [kind for kind, _, _ in events]
    assert kinds.index("failed") < kinds.index("run_started", kinds.index("failed")) < kinds.index("completed")
    assert any(kind == "dead_letter_resolved" and backfill.run_id in message for kind, message, _ in events)


def test_a_run_for_a_partition_with_no_request_row_fails_at_its_first_step_with_a_plain_reason_and_changes_nothing(
    postgres_url: str, materials: Path, tmp_path: Path
) -> None:
    resources = pipeline_resources(postgres_url, None, "", tmp_path, [materials])
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize([media_items], "req_nobody", instance, resources)
        failures = step_failures(instance, result.run_id)
        run = instance.get_run_by_id(result.run_id)

    assert not result.success
    assert list(failures) == ["media_items"]
    assert "no request 'req_nobody' in the database" in failures["media_items"]
    assert run is not None and "request_id" not in run.tags
    with session_scope(postgres_url) as session:
        assert session.scalar(select(func.count()).select_from(VideoRequest)) == 0
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == 0
