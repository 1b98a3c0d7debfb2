"""The external merge backend end to end: the real asset graph submits to a real HTTP stand-in of Easegen, and the
`reconcile_external_merges` schedule's job imports, fails or keeps waiting, on real Postgres and the S3 server."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import select, update

from resources.database import DatabaseResource
from resources.merge import MergeResource
from schedules.reconcile import reconcile_external_merges_schedule
from sensors.failures import record_failed_run
from tests.media_samples import clip, photo
from tests.merge.fake_easegen import FakeEasegen, done, failed, never_finishes
from tests.operations.cli_process import cli_env, run_cli, submit_file
from tests.pipeline.helpers import RENDERED_VIDEOS_METADATA_FIELDS, materialize, pipeline_resources, submit
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import DeadLetter, MergeJob, RenderedVideo, VideoScript, utcnow
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions
from video_assets.media import probe_media
from video_assets.merge import EasegenBackend
from video_assets.stages.merging import MergeContext, reconcile_pass

ARTICLE = "# 实验室\n\n宇航员检查火箭模型。\n\n彩条画面用于设备自检。\n\n咖啡之后开始工作。"


@pytest.fixture(scope="module")
def materials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("merge-materials")
    photo("astronaut", root / "astronaut.jpg")
    photo("rocket", root / "rocket.jpg")
    clip(root / "bars.mp4", 640, 360, seconds=3, source="smptebars")
    return root


@pytest.fixture
def easegen() -> Iterator[FakeEasegen]:
    with FakeEasegen() as server:
        yield server


@dataclass
class MergeRig:
    """One request taken through the scripts, with resources whose merge backend is the stand-in."""

    database_url: str
    request_id: str
    resources: dict[str, Any]
    instance: dg.DagsterInstance
    easegen: FakeEasegen
    tmp_path: Path

    def render(self) -> dg.ExecuteInProcessResult:
        """One run of rendered_videos, then what the daemon's dead-letter sensor does with it if it failed."""
        result = materialize([rendered_videos], self.request_id, self.instance, self.resources)
        if not result.success:
            store = self.resources["object_store"].store()
            record_failed_run(DatabaseResource(url=self.database_url), store, self.instance, result.dagster_run, None)
        return result

    def reconcile(self) -> dg.ExecuteInProcessResult:
        """What the daemon does every minute: evaluate the schedule, then run the job it asks for."""
        with dg.build_schedule_context(instance=self.instance, resources=self.resources) as context:
            tick = reconcile_external_merges_schedule.evaluate_tick(context)
        assert len(tick.run_requests or []) == 1, tick.skip_message
        job = build_definitions(self.resources).resolve_job_def("reconcile_job")
        return job.execute_in_process(instance=self.instance, raise_on_error=False)

    def jobs(self) -> list[MergeJob]:
        with session_scope(self.database_url) as session:
            return list(session.scalars(select(MergeJob).filter_by(request_id=self.request_id)))

    def videos(self) -> dict[int, RenderedVideo]:
        with session_scope(self.database_url) as session:
            rows = session.scalars(select(RenderedVideo).filter_by(request_id=self.request_id))
            return {row.variant_index: row for row in rows}

    def request(self) -> Any:
        with session_scope(self.database_url) as session:
            return get_request(session, self.request_id)

    def dead_letters(self) -> list[DeadLetter]:
        with session_scope(self.database_url) as session:
            return list(session.scalars(select(DeadLetter).filter_by(request_id=self.request_id)))

    def poll_now(self) -> None:
        """Time passes: every backed-off job is due again."""
        with session_scope(self.database_url) as session:
            session.execute(update(MergeJob).where(MergeJob.request_id == self.request_id).values(next_poll_at=None))

    def serve_vendor_video(self, variant_index: int = 0) -> None:
        """The vendor's output: a real mp4 of the canvas and the planned length, as a merge would produce."""
        with session_scope(self.database_url) as session:
            script = session.scalars(
                select(VideoScript).filter_by(request_id=self.request_id, variant_index=variant_index)
            ).one()
        serve_vendor_output(self.easegen, self.tmp_path, script.planned_duration)


def serve_vendor_output(easegen: FakeEasegen, folder: Path, seconds: float) -> None:
    """The vendor's output: a real mp4 of the 1:1 canvas and the planned length, plus a snapshot."""
    video = folder / "vendor.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1080x1080:rate=30", "-f", "lavfi"]
        + ["-i", "sine=frequency=440", "-t", f"{seconds:.3f}", "-c:v", "libx264", "-preset", "ultrafast"]
        + ["-pix_fmt", "yuv420p", "-c:a", "aac", str(video)],
        check=True,
    )
    easegen.serve_file("video.mp4", video)
    easegen.serve_file("thumbnail.jpg", photo("coffee", folder / "thumbnail.jpg", size=(320, 320)))


def make_rig(
    database_url: str,
    s3_endpoint: str,
    bucket: str,
    materials: Path,
    easegen: FakeEasegen,
    tmp_path: Path,
    instance: dg.DagsterInstance,
    video_count: int = 1,
    deadline_seconds: int = 1800,
    timeout_seconds: float = 5.0,
) -> MergeRig:
    request_id = submit(
        database_url,
        title="实验室",
        markdown=ARTICLE,
        materials=[{"uri": str(materials / name)} for name in ("astronaut.jpg", "rocket.jpg", "bars.mp4")],
        video_count=video_count,
        aspect="1:1",
        target_duration=20,
    )
    resources = pipeline_resources(database_url, s3_endpoint, bucket, tmp_path, [materials], allow_hosts=["127.0.0.1"])
    resources["merge"] = MergeResource(
        backend="easegen",
        base_url=easegen.base_url,
        api_key=easegen.api_key,
        deadline_seconds=deadline_seconds,
        timeout_seconds=timeout_seconds,
    )
    assert materialize([media_items, media_analyses, video_scripts], request_id, instance, resources).success
    return MergeRig(database_url, request_id, resources, instance, easegen, tmp_path)


@pytest.fixture
def rig_factory(postgres_url: str, s3_endpoint: str, s3_store, materials: Path, easegen: FakeEasegen, tmp_path: Path):
    with dg.DagsterInstance.ephemeral() as instance:

        def make(**options: Any) -> MergeRig:
            return make_rig(
                postgres_url, s3_endpoint, s3_store.bucket, materials, easegen, tmp_path, instance, **options
            )

        yield make


def materializations(rig: MergeRig) -> list[dg.EventLogRecord]:
    return list(
        rig.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("rendered_videos"), asset_partitions=[rig.request_id]), limit=10
        ).records
    )


def test_done_after_polls_is_imported_and_materialized_like_a_local_render(rig_factory, s3_store) -> None:
    rig: MergeRig = rig_factory()
    rig.easegen.script(done(polls=3))
    rig.serve_vendor_video()

    assert rig.render().success
    assert len(rig.easegen.job_ids) == 1 and not materializations(rig)
    assert (rig.request().status, rig.request().stage) == ("processing", "merging")
    assert rig.videos()[0].status == "merging"

    assert rig.reconcile().success  # status 0: draft
    assert rig.reconcile().success  # status 1: merging, with a percentage
    assert rig.jobs()[0].state == "pending" and 0 < rig.request().progress < 1
    assert not materializations(rig)
    result = rig.reconcile()  # status 2: done

    assert result.success
    video, job, request = rig.videos()[0], rig.jobs()[0], rig.request()
    assert (request.status, job.state, video.status, video.backend) == ("completed", "done", "ready", "easegen"), (
        job.error
    )
    assert video.video_key == f"requests/{rig.request_id}/rendered_videos/v0/video.mp4"
    assert video.cover_key == f"requests/{rig.request_id}/rendered_videos/v0/cover.jpg"
    assert s3_store.exists(video.video_key) and s3_store.exists(video.cover_key)
    assert (video.width, video.height) == (1080, 1080) and abs(video.duration - video.planned_duration) <= 0.5
    [record] = materializations(rig)
    assert record.run_id == result.run_id
    assert set(record.asset_materialization.metadata) == RENDERED_VIDEOS_METADATA_FIELDS
    assert record.asset_materialization.metadata["request_status"].value == "completed"
    checks = [
        event.asset_check_evaluation_data
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert {check.check_name for check in checks} >= {"duration_matches_plan", "canvas_resolution", "has_audio_stream"}
    assert all(check.passed and check.partition == rig.request_id for check in checks)
    assert len(rig.easegen.submissions) == 1
    scene_sources = [scene["background"]["src"] for scene in rig.easegen.submissions[0]["scenes"]]
    assert all(src.startswith("http://127.0.0.1") and "Signature" in src for src in scene_sources)
    with session_scope(rig.database_url) as session:
        scenes = session.scalars(select(VideoScript.scenes).filter_by(request_id=rig.request_id)).one()
    cut = [(scene, src) for scene, src in zip(scenes, scene_sources, strict=True) if "/tmp/merge/" in src]
    assert cut, "the clip's scene goes to the vendor as its own segment"
    for scene, src in cut:
        key = src.split(f"/{s3_store.bucket}/", 1)[1].split("?", 1)[0]
        segment = s3_store.download(key, rig.tmp_path / "segment.mp4")
        length = probe_media(segment, "video/mp4").duration
        assert abs(length - (scene["out_point"] - scene["in_point"])) < 0.1


def test_failed_with_reasons_fails_the_variant_and_the_request(rig_factory) -> None:
    rig: MergeRig = rig_factory()
    rig.easegen.script(failed(polls=1, reasons=["字体缺失", "scene 2 unreadable"]))

    assert rig.render().success
    assert rig.reconcile().success

    job, video, request = rig.jobs()[0], rig.videos()[0], rig.request()
    assert job.state == "failed" and "scene 2 unreadable" in job.error
    assert video.status == "failed" and "字体缺失" in video.reason
    assert request.status == "failed" and "scene 2 unreadable" in request.error
    assert not materializations(rig) and len(rig.easegen.submissions) == 1
    [letter] = rig.dead_letters()
    assert letter.stage == "merging" and "scene 2 unreadable" in letter.error


def test_retrying_a_job_the_vendor_failed_resubmits_it_under_the_same_id(rig_factory) -> None:
    rig: MergeRig = rig_factory()
    rig.easegen.script(failed(polls=1), done(polls=1))
    rig.serve_vendor_video()
    assert rig.render().success
    assert rig.reconcile().success
    assert rig.request().status == "failed"

    assert rig.render().success  # what `video-assets retry` runs: rendered_videos has no materialization
    assert rig.easegen.resubmits == rig.easegen.job_ids and len(rig.easegen.submissions) == 1
    assert (rig.jobs()[0].state, rig.videos()[0].status) == ("pending", "merging")
    assert rig.reconcile().success

    assert (rig.request().status, rig.videos()[0].status) == ("completed", "ready")
    assert all(letter.resolved_at is not None for letter in rig.dead_letters())


def test_a_job_that_never_finishes_fails_at_its_deadline(rig_factory) -> None:
    rig: MergeRig = rig_factory(deadline_seconds=3)
    rig.easegen.script(never_finishes())

    assert rig.render().success
    assert rig.reconcile().success
    assert rig.jobs()[0].state == "pending"
    time.sleep(3.5)
    assert rig.reconcile().success

    job, request = rig.jobs()[0], rig.request()
    assert job.state == "failed" and "timed out after 3 s" in job.error
    assert request.status == "failed" and "timed out after 3 s" in request.error


def test_vendor_500s_back_off_and_keep_the_job_pending_until_it_succeeds(rig_factory) -> None:
    rig: MergeRig = rig_factory()
    rig.easegen.script(done(polls=1))
    rig.serve_vendor_video()
    assert rig.render().success
    rig.easegen.fail_next_status_calls(2)

    assert rig.reconcile().success
    job = rig.jobs()[0]
    assert job.state == "pending" and job.poll_failures == 1 and job.next_poll_at > utcnow()
    assert rig.reconcile().success
    assert len(rig.easegen.status_calls) == 1, "a backed-off job is not polled again before its time"
    rig.poll_now()
    assert rig.reconcile().success
    assert (rig.jobs()[0].state, rig.jobs()[0].poll_failures, rig.request().status) == ("pending", 2, "processing")
    rig.poll_now()
    assert rig.reconcile().success

    assert (rig.jobs()[0].state, rig.request().status) == ("done", "completed")
    assert len(materializations(rig)) == 1 and len(rig.easegen.submissions) == 1


def test_slow_status_answers_past_the_client_timeout_keep_the_job_pending(rig_factory) -> None:
    rig: MergeRig = rig_factory(timeout_seconds=1.0)
    rig.easegen.script(done(polls=1))
    rig.serve_vendor_video()
    assert rig.render().success
    rig.easegen.delay_status(3.0)

    result = rig.reconcile()

    assert result.success
    assert (rig.jobs()[0].state, rig.jobs()[0].poll_failures, rig.request().status) == ("pending", 1, "processing")
    rig.easegen.delay_status(0)
    rig.poll_now()
    assert rig.reconcile().success
    assert rig.request().status == "completed" and len(rig.easegen.submissions) == 1


def test_the_render_step_never_submits_a_variant_twice(rig_factory) -> None:
    rig: MergeRig = rig_factory(video_count=2)
    rig.easegen.script(never_finishes(), never_finishes())
    rig.easegen.fail_next_submits(1)  # v0's first attempt: a 500, nothing recorded; the step's RetryPolicy retries

    first = rig.render()

    assert first.success
    restarts = [e for e in first.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(restarts) == 1
    assert len(rig.easegen.job_ids) == 2 and len(rig.easegen.submissions) == 3
    ids = {job.variant_index: job.external_job_id for job in rig.jobs()}

    assert rig.render().success  # a re-executed run, or a retry of the step after its submit succeeded
    assert rig.render().success

    assert len(rig.easegen.job_ids) == 2 and len(rig.easegen.submissions) == 3
    assert {job.variant_index: job.external_job_id for job in rig.jobs()} == ids
    assert len(rig.jobs()) == 2 and len(rig.videos()) == 2


def test_a_submit_whose_answer_times_out_is_not_sent_again(rig_factory) -> None:
    rig: MergeRig = rig_factory(timeout_seconds=1.0)
    rig.easegen.script(never_finishes())
    rig.easegen.delay_submit(3.0)  # the vendor records the job, but its answer comes too late

    assert rig.render().success is False  # the only variant fails, so the request and the run fail
    rig.easegen.delay_submit(0)
    assert rig.render().success is False

    assert len(rig.easegen.job_ids) == 1 and len(rig.easegen.submissions) == 1
    video, request = rig.videos()[0], rig.request()
    assert video.status == "failed" and "not submitted again" in video.reason
    assert request.status == "failed"


def test_two_overlapping_reconcile_passes_import_a_job_once(rig_factory, s3_store) -> None:
    rig: MergeRig = rig_factory()
    rig.easegen.script(done(polls=1))
    rig.serve_vendor_video()
    assert rig.render().success
    rig.easegen.delay_status(1.0)  # both passes are waiting on the vendor at the same moment
    merge: MergeResource = rig.resources["merge"]
    reports = []

    def one_pass(index: int) -> None:
        context = MergeContext(
            rig.database_url,
            s3_store,
            EasegenBackend(merge.base_url, merge.api_key),
            merge.deadline_seconds,
            rig.tmp_path / f"pass-{index}",
        )
        reports.append(reconcile_pass(context, rig.resources["ingest"].policy().fetch))

    threads = [threading.Thread(target=one_pass, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(rig.easegen.status_calls) == 2
    assert sum(len(report.imported) for report in reports) == 1
    assert sum(len(report.finished_requests) for report in reports) == 1
    assert rig.request().status == "completed"


def test_the_local_object_store_is_refused_for_the_external_backend(
    sqlite_database_url: str, materials: Path, easegen: FakeEasegen, tmp_path: Path
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        rig = make_rig(sqlite_database_url, None, "", materials, easegen, tmp_path, instance)  # type: ignore[arg-type]
        assert not rig.render().success
    request = rig.request()
    assert request.status == "failed" and "VIDEO_ASSETS_STORAGE=s3" in request.error
    assert not easegen.submissions


def test_the_schedule_skips_with_the_local_backend_or_when_no_job_is_open(
    postgres_url: str, s3_endpoint: str, s3_store, tmp_path: Path, easegen: FakeEasegen
) -> None:
    local = pipeline_resources(postgres_url, None, "", tmp_path, [])
    external = {**local, "merge": MergeResource(backend="easegen", base_url=easegen.base_url)}
    with dg.DagsterInstance.ephemeral() as instance:
        for resources, reason in ((local, "nothing to reconcile"), (external, "no open external merge jobs")):
            with dg.build_schedule_context(instance=instance, resources=resources) as context:
                tick = reconcile_external_merges_schedule.evaluate_tick(context)
            assert not tick.run_requests and reason in (tick.skip_message or "")
        result = build_definitions(local).resolve_job_def("reconcile_job").execute_in_process(instance=instance)
    assert result.success and not easegen.status_calls


def test_jobs_are_polled_in_batches_of_at_most_fifty(rig_factory) -> None:
    rig: MergeRig = rig_factory()
    rig.easegen.script(never_finishes())
    assert rig.render().success
    [job] = rig.jobs()
    with session_scope(rig.database_url) as session:
        for index in range(1, 120):
            session.add(
                MergeJob(
                    request_id=rig.request_id,
                    variant_index=index,
                    external_job_id=f"missing-{index}",
                    state="pending",
                    deadline=utcnow() + timedelta(hours=1),
                    backend="easegen",
                )
            )

    assert rig.reconcile().success

    assert [len(call) for call in rig.easegen.status_calls] == [50, 50, 20]
    states = {job.external_job_id: job.state for job in rig.jobs()}
    assert states[job.external_job_id] == "pending"
    assert sum(state == "failed" for state in states.values()) == 119  # the vendor has no record of those


def test_cli_run_then_reconcile_passes_take_a_request_through_the_vendor(
    postgres_url: str, s3_endpoint: str, s3_store, materials: Path, easegen: FakeEasegen, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "home", postgres_url, s3_endpoint, s3_store.bucket, [materials])
    env |= {
        "VIDEO_ASSETS_MERGE_BACKEND": "easegen",
        "VIDEO_ASSETS_MERGE_BASE_URL": easegen.base_url,
        "VIDEO_ASSETS_MERGE_API_KEY": easegen.api_key,
        "VIDEO_ASSETS_FETCH_ALLOW_HOSTS": "127.0.0.1",
    }
    request = {
        "title": "实验室",
        "markdown": ARTICLE,
        "materials": [{"uri": str(materials / name)} for name in ("astronaut.jpg", "bars.mp4")],
        "video_count": 1,
        "aspect": "1:1",
        "target_duration": 15,
    }
    easegen.script(done(polls=2))
    request_id = submit_file(env, request, tmp_path)

    assert run_cli(env, "run", request_id).returncode == 0
    with session_scope(postgres_url) as session:
        planned = session.scalars(select(VideoScript.planned_duration).filter_by(request_id=request_id)).one()
    serve_vendor_output(easegen, tmp_path, planned)
    first = run_cli(env, "reconcile")
    status = run_cli(env, "status", request_id)
    second = run_cli(env, "reconcile")

    assert first.returncode == 0 and "reconcile_external_merges.polled: 1" in first.stdout, first.stderr
    assert "stage=merging" in status.stdout and "merge jobs:" in status.stdout and "pending" in status.stdout
    assert second.returncode == 0 and f"{request_id}/v0" in second.stdout, second.stderr
    assert easegen.api_key not in first.stdout + first.stderr + second.stdout + second.stderr
    with session_scope(postgres_url) as session:
        assert get_request(session, request_id).status == "completed"
    with dg.DagsterInstance.from_config(str(tmp_path / "home" / "dagster")) as instance:
        records = instance.fetch_materializations(dg.AssetKey("rendered_videos"), limit=10).records
    assert len(records) == 1 and records[0].partition_key == request_id
    assert len(easegen.submissions) == 1
