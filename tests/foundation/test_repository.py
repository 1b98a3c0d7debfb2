from sqlalchemy import func, select

from video_assets.db.engine import session_scope
from video_assets.db.models import RequestEvent, VideoRequest
from video_assets.db.repository import (
    SensorCursor,
    claimable_requests,
    create_request,
    fail,
    finish,
    get_request,
    mark_queued,
    record_dead_letter,
    set_progress,
    start_stage,
)
from video_assets.request_schema import VideoRequestSpec


def spec(**overrides: object) -> VideoRequestSpec:
    return VideoRequestSpec.model_validate({"title": "标题", "markdown": "# 文章\n\n正文。", **overrides})


def test_same_idempotency_key_yields_one_row(database_url: str) -> None:
    with session_scope(database_url) as session:
        first, created_first = create_request(session, spec(idempotency_key="article-42"))
    with session_scope(database_url) as session:
        second, created_second = create_request(session, spec(idempotency_key="article-42"))
        count = session.scalar(select(func.count()).select_from(VideoRequest))
    assert (first, created_first, created_second) == (second, True, False)
    assert count == 1


def test_requests_without_key_are_distinct(database_url: str) -> None:
    with session_scope(database_url) as session:
        a, _ = create_request(session, spec())
        b, _ = create_request(session, spec())
    assert a != b


def test_lifecycle_moves_through_statuses_and_records_events(database_url: str) -> None:
    with session_scope(database_url) as session:
        request_id, _ = create_request(session, spec())
    with session_scope(database_url) as session:
        assert mark_queued(session, request_id, run_key=request_id, claimer="sensor")
        assert not mark_queued(session, request_id, run_key=request_id, claimer="other-sensor")
        start_stage(session, request_id, "media_items", run_id="run-1")
        set_progress(session, request_id, "media_items", 0.5)
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        assert (request.status, request.stage, request.progress, request.attempts) == (
            "processing",
            "media_items",
            0.5,
            1,
        )
        finish(session, request_id, "completed")
    with session_scope(database_url) as session:
        assert get_request(session, request_id).status == "completed"
        kinds = list(session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == request_id)))
    assert kinds == ["submitted", "queued", "stage_started", "completed"]


def test_failure_and_dead_letter_are_recorded_once(database_url: str) -> None:
    with session_scope(database_url) as session:
        request_id, _ = create_request(session, spec())
        record_dead_letter(session, request_id, "run-9", "rendered_videos", "ffmpeg exited 1")
        record_dead_letter(session, request_id, "run-9", "rendered_videos", "ffmpeg exited 1")
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        assert (request.status, request.error) == ("failed", "ffmpeg exited 1")
        fail(session, request_id, "media_items", "no usable material")
        assert get_request(session, request_id).stage == "media_items"


def test_claimable_requests_replays_own_queued_rows_past_the_cursor(database_url: str) -> None:
    with session_scope(database_url) as session:
        ids = [create_request(session, spec())[0] for _ in range(3)]
    with session_scope(database_url) as session:
        rows = claimable_requests(session, SensorCursor(), "sensor", limit=2)
        assert [r.id for r in rows] == sorted(ids, key=lambda i: (get_request(session, i).created_at, i))[:2]
        for row in rows:
            mark_queued(session, row.id, row.id, "sensor")
    with session_scope(database_url) as session:
        replay = claimable_requests(session, SensorCursor(), "sensor", limit=10)
        other = claimable_requests(session, SensorCursor(), "other", limit=10)
    assert len(replay) == 3
    assert len(other) == 1
