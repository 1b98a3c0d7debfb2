"""The merge vendor's answers are untrusted input (issue 23, item 7) and cancel wins over reconcile (item 9): each
fault settles or backs off only the job it is about, against the Easegen stand-in over real HTTP."""

from __future__ import annotations

from sqlalchemy import update

from tests.merge.fake_easegen import done, done_at, odd_status
from tests.operations import test_external_merge as merge_rig
from tests.operations.test_external_merge import MergeRig, materializations
from video_assets.db.engine import session_scope
from video_assets.db.models import MergeJob, utcnow
from video_assets.db.repository import cancel

# The rig's fixtures, shared with the external-merge tests.
materials, easegen, rig_factory = merge_rig.materials, merge_rig.easegen, merge_rig.rig_factory
MAINTENANCE_PAGE = "<html><body><h1>Down for maintenance</h1></body></html>"


def expire_deadlines(rig: MergeRig) -> None:
    """Time passes: every job of the request is past its deadline."""
    with session_scope(rig.database_url) as session:
        session.execute(update(MergeJob).where(MergeJob.request_id == rig.request_id).values(deadline=utcnow()))


def test_bad_vendor_answers_settle_only_their_own_job_and_the_pass_goes_on(rig_factory) -> None:
    rig: MergeRig = rig_factory(video_count=3)
    rig.easegen.script(odd_status(7), done(polls=1), done_at("file:///etc/passwd"))
    rig.serve_vendor_video(1)
    assert rig.render().success
    rig.easegen.fail_next_status_calls(1, status=200, body=MAINTENANCE_PAGE)

    assert rig.reconcile().success, "a maintenance page backs the jobs off instead of failing the pass"
    assert [job.state for job in sorted(rig.jobs(), key=lambda job: job.variant_index)] == ["pending"] * 3
    assert all("Down for maintenance" in (job.error or "") for job in rig.jobs())
    rig.poll_now()
    assert rig.reconcile().success

    jobs = {job.variant_index: job for job in rig.jobs()}
    videos = rig.videos()
    assert jobs[0].state == "pending" and "job 1001 has status 7, expected 0, 1, 2 or 3" in jobs[0].error
    assert jobs[1].state == "done" and videos[1].status == "ready"
    assert jobs[2].state == "failed" and videos[2].status == "failed"
    assert "'file:///etc/passwd' is not an http(s) URL; refused" in videos[2].reason
    assert rig.request().status == "processing"

    expire_deadlines(rig)
    rig.poll_now()
    assert rig.reconcile().success

    jobs = {job.variant_index: job for job in rig.jobs()}
    reason = rig.videos()[0].reason
    assert jobs[0].state == "failed" and reason == jobs[0].error
    assert "timed out" in reason and "last vendor problem: Easegen poll: job 1001 has status 7" in reason
    assert rig.request().status == "partial_success" and len(materializations(rig)) == 1


def test_a_repeated_vendor_job_id_is_a_recorded_vendor_fault_and_the_first_job_stays_tracked(rig_factory) -> None:
    rig: MergeRig = rig_factory(video_count=2)
    rig.easegen.script(done(polls=1))
    rig.easegen.repeat_ids("1001")
    rig.serve_vendor_video(0)

    assert rig.render().success is False  # v1 failed, so its step and the run fail; v0 is with the vendor
    jobs = {job.variant_index: job for job in rig.jobs()}
    assert (jobs[0].state, jobs[0].external_job_id) == ("pending", "1001")
    assert (jobs[1].state, jobs[1].external_job_id) == ("failed", None), "no id: a retry may submit it again"
    reason = rig.videos()[1].reason
    assert "easegen answered this submission with job id 1001, which it had already issued for" in reason
    assert f"request {rig.request_id} v0: a vendor fault" in reason
    assert "UPDATE" not in reason and "psycopg" not in reason.lower()

    assert rig.reconcile().success
    assert rig.videos()[0].status == "ready" and rig.request().status == "partial_success"


def test_a_request_cancelled_while_its_merge_is_out_is_not_completed_by_reconcile(rig_factory) -> None:
    rig: MergeRig = rig_factory()
    rig.easegen.script(done(polls=1))
    rig.serve_vendor_video()
    assert rig.render().success
    with session_scope(rig.database_url) as session:
        assert cancel(session, rig.request_id, "changed my mind")

    assert rig.reconcile().success

    job, video, request = rig.jobs()[0], rig.videos()[0], rig.request()
    assert job.state == "cancelled" and video.status == "failed" and "cancelled" in video.reason
    assert request.status == "cancelled" and materializations(rig) == []
    assert rig.easegen.status_calls == [], "a cancelled request's job is not even asked about"
