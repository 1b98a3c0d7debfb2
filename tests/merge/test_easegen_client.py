"""The real Easegen client against the stand-in vendor: a real HTTP server on localhost speaking Easegen's protocol."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.media_samples import clip, photo
from tests.merge.fake_easegen import FakeEasegen, done, failed, forgotten, never_finishes, rejected
from video_assets.merge import EasegenBackend, JobState, MergeScene, MergeSubmission, MergeVendorError
from video_assets.transient import is_transient

API_KEY = "sk-easegen-very-secret-1234"
SLOW_ANSWER_SECONDS = 30.0  # far past the 1 s client timeout: a client that waited for the answer fails the bound


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("easegen-media")
    subtitles = root / "subs.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:02,000\n第一段\n", encoding="utf-8")
    return {
        "video.mp4": clip(root / "video.mp4", 320, 568, seconds=2.0, fps=30),
        "thumbnail.jpg": photo("astronaut", root / "thumbnail.jpg", size=(320, 568)),
        "subs.srt": subtitles,
    }


@pytest.fixture
def easegen(media: dict[str, Path]) -> Iterator[FakeEasegen]:
    with FakeEasegen(api_key=API_KEY) as fake:
        for name, path in media.items():
            fake.serve_file(name, path)
        yield fake


@pytest.fixture
def backend(easegen: FakeEasegen) -> EasegenBackend:
    return EasegenBackend(easegen.base_url, API_KEY, timeout_seconds=1.0, connect_timeout_seconds=1.0)


def submission(scene_count: int = 2) -> MergeSubmission:
    scenes = [
        MergeScene(
            order_no=index,
            background_url=f"https://store.example/requests/req-1/segments/{index}.mp4?X-Amz-Signature=abc",
            narration=f"第{index}段解说。",
            voice="zh-CN-XiaoxiaoNeural",
            duration=4.0,
        )
        for index in range(1, scene_count + 1)
    ]
    return MergeSubmission(
        name="星河 X7 Pro (req-1 v0)",
        aspect="9:16",
        width=1080,
        height=1920,
        subtitles_style={"font": "Noto Sans CJK SC", "size": 64, "karaoke": True},
        scenes=scenes,
    )


def vendor_error(call: Callable[[], object]) -> MergeVendorError:
    """The MergeVendorError `call` raises, checked to never carry the API key."""
    with pytest.raises(MergeVendorError) as caught:
        call()
    error = caught.value
    assert API_KEY not in str(error) and API_KEY not in repr(error.args)
    return error


# --- submit --------------------------------------------------------------------------------------------------------


def test_submit_sends_the_easegen_payload_and_returns_the_numeric_id_as_a_string(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    job_id = backend.submit(submission())

    assert job_id == "1001" and easegen.job_ids == ["1001"]
    assert easegen.submissions == [
        {
            "name": "星河 X7 Pro (req-1 v0)",
            "aspect": "9:16",
            "width": 1080,
            "height": 1920,
            "subtitlesStyle": {"font": "Noto Sans CJK SC", "size": 64, "karaoke": True},
            "scenes": [
                {
                    "orderNo": index,
                    "background": {
                        "src": f"https://store.example/requests/req-1/segments/{index}.mp4?X-Amz-Signature=abc"
                    },
                    "narration": f"第{index}段解说。",
                    "voice": "zh-CN-XiaoxiaoNeural",
                }
                for index in (1, 2)
            ],
        }
    ]


def test_a_wrong_api_key_is_a_permanent_error_whose_message_does_not_echo_the_key(easegen: FakeEasegen) -> None:
    wrong = EasegenBackend(easegen.base_url, "sk-wrong-key-5678", timeout_seconds=1.0)

    with pytest.raises(MergeVendorError) as caught:
        wrong.submit(submission())

    error = caught.value
    assert not error.transient and error.delivered is False and not is_transient(error)
    assert "submit" in str(error) and "HTTP 401" in str(error) and "invalid X-API-Key" in str(error)
    assert "sk-wrong-key-5678" not in str(error) and "[redacted]" in str(error)
    assert easegen.submissions == []


def test_a_submit_answered_500_is_transient_and_certainly_not_delivered(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.fail_next_submits(1)

    error = vendor_error(lambda: backend.submit(submission()))

    assert error.transient and is_transient(error) and error.delivered is False
    assert "Easegen submit (POST /api/mergemedia): HTTP 500: " in str(error) and "Internal Server Error" in str(error)
    assert easegen.job_ids == []
    assert backend.submit(submission()) == "1001"


def test_a_submit_whose_answer_is_late_is_a_read_timeout_of_unknown_delivery_while_the_vendor_has_the_job(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.delay_submit(SLOW_ANSWER_SECONDS)

    started = time.monotonic()
    error = vendor_error(lambda: backend.submit(submission()))

    assert time.monotonic() - started < SLOW_ANSWER_SECONDS / 3
    assert error.transient and error.delivered is None
    assert "Easegen submit (POST /api/mergemedia): no answer within 1 s" in str(error)
    assert easegen.job_ids == ["1001"]


def test_a_vendor_that_is_not_listening_is_transient_and_not_delivered() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    backend = EasegenBackend(f"http://127.0.0.1:{port}", API_KEY, timeout_seconds=1.0, connect_timeout_seconds=1.0)

    error = vendor_error(lambda: backend.submit(submission()))

    assert error.transient and error.delivered is False
    assert "Easegen submit (POST /api/mergemedia): could not connect: Connection refused" in str(error)


@pytest.mark.parametrize(
    ("status", "transient", "delivered"),
    [(400, False, False), (404, False, False), (429, True, False), (503, True, False), (504, True, None)],
)
def test_http_refusals_are_classified_by_status(
    backend: EasegenBackend, easegen: FakeEasegen, status: int, transient: bool, delivered: bool | None
) -> None:
    easegen.fail_next_submits(1, status=status, body='{"detail": "vendor says no"}')

    error = vendor_error(lambda: backend.submit(submission()))

    assert error.transient is transient and is_transient(error) is transient and error.delivered is delivered
    assert f'HTTP {status}: {{"detail": "vendor says no"}}' in str(error)


def test_a_submit_refused_with_success_false_is_permanent_and_names_the_vendor_message(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.script(rejected("scene 2 background cannot be downloaded"))

    error = vendor_error(lambda: backend.submit(submission()))

    assert not error.transient and error.delivered is False
    assert str(error) == "Easegen submit refused: scene 2 background cannot be downloaded"


def test_a_submission_the_vendor_cannot_validate_is_a_permanent_422(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    error = vendor_error(lambda: backend.submit(submission(scene_count=0)))

    assert not error.transient and "HTTP 422" in str(error) and "scenes must be a non-empty list" in str(error)


def test_a_submit_answered_with_garbage_is_permanent_and_of_unknown_delivery(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.fail_next_submits(1, status=200, body="<html><body>Welcome to nginx!</body></html>")

    error = vendor_error(lambda: backend.submit(submission()))

    assert not error.transient and error.delivered is None
    assert "HTTP 200 with a body that is not JSON: <html><body>Welcome to nginx!" in str(error)


# --- poll ----------------------------------------------------------------------------------------------------------


def test_a_job_goes_draft_merging_done_and_its_result_urls_serve_real_media(
    backend: EasegenBackend, easegen: FakeEasegen, media: dict[str, Path]
) -> None:
    easegen.script(done(polls=4, subtitles="subs.srt"))
    job_id = backend.submit(submission())

    statuses = [backend.poll([job_id])[job_id] for _ in range(4)]

    assert [status.state for status in statuses] == [
        JobState.PENDING,
        JobState.RUNNING,
        JobState.RUNNING,
        JobState.DONE,
    ]
    progress = [status.progress for status in statuses]
    assert progress == sorted(progress) and len(set(progress)) == 4 and progress[0] == 0.0 and progress[-1] == 1.0
    finished = statuses[-1]
    assert finished.video_url == easegen.file_url("video.mp4")
    assert finished.thumbnail_url == easegen.file_url("thumbnail.jpg")
    assert finished.subtitles_url == easegen.file_url("subs.srt")
    assert finished.duration == 2.0 and finished.reason is None and finished.raw["finish_time"]
    for url, name in ((finished.video_url, "video.mp4"), (finished.thumbnail_url, "thumbnail.jpg")):
        assert url is not None
        assert requests.get(url, timeout=5).content == media[name].read_bytes()
    assert backend.poll([job_id])[job_id].state == JobState.DONE


@pytest.mark.parametrize(
    ("reasons", "reason"),
    [
        (
            ["font not found: Noto Sans CJK SC", "audio longer than scene 2"],
            "font not found: Noto Sans CJK SC; audio longer than scene 2",
        ),
        ("ffmpeg exited with 1", "ffmpeg exited with 1"),
        (None, "Easegen gave no failure reason"),
    ],
)
def test_a_failed_job_carries_the_vendor_reasons(
    backend: EasegenBackend, easegen: FakeEasegen, reasons: str | list[str] | None, reason: str
) -> None:
    easegen.script(failed(polls=2, reasons=reasons))
    job_id = backend.submit(submission())

    first, second = backend.poll([job_id])[job_id], backend.poll([job_id])[job_id]

    assert first.state == JobState.PENDING and first.reason is None
    assert second.state == JobState.FAILED and second.reason == reason and second.video_url is None


def test_a_job_the_vendor_has_no_record_of_is_failed_with_a_reason(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.script(forgotten(polls=2))
    lost = backend.submit(submission())

    assert backend.poll([lost])[lost].state == JobState.PENDING
    statuses = backend.poll([lost, "424242"])

    assert set(statuses) == {lost, "424242"}
    for status in statuses.values():
        assert status.state == JobState.FAILED and status.reason == "Easegen has no record of this job"


def test_a_job_that_never_finishes_stays_running_below_full_progress(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.script(never_finishes())
    job_id = backend.submit(submission())

    statuses = [backend.poll([job_id])[job_id] for _ in range(6)]

    assert [status.state for status in statuses[1:]] == [JobState.RUNNING] * 5
    assert all(0.0 < status.progress < 1.0 for status in statuses[1:])


def test_poll_asks_at_most_fifty_ids_per_call_and_answers_every_id_once(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.script(never_finishes(), done(polls=1))
    running, finished = backend.submit(submission()), backend.submit(submission())
    ids = [f"9{index:04d}" for index in range(118)]
    ids[10], ids[110] = running, finished

    statuses = backend.poll([*ids, running])  # a repeated id is asked and answered once

    assert [len(call) for call in easegen.status_calls] == [50, 50, 18]
    assert [job_id for call in easegen.status_calls for job_id in call] == ids
    assert list(statuses) == ids
    assert statuses[running].state == JobState.PENDING and statuses[finished].state == JobState.DONE
    assert sum(status.state == JobState.FAILED for status in statuses.values()) == 116
    assert backend.poll([]) == {} and len(easegen.status_calls) == 3


def test_a_status_call_answered_500_is_transient_and_the_next_one_recovers(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    job_id = backend.submit(submission())
    easegen.fail_next_status_calls(2, body="upstream exploded " + "x" * 5000)

    errors = [vendor_error(lambda: backend.poll([job_id])) for _ in range(2)]

    for error in errors:
        assert error.transient and is_transient(error)
        assert str(error).startswith("Easegen poll (GET /api/mergemedia/result): HTTP 500: upstream exploded xxx")
        assert len(str(error)) < 300
    assert backend.poll([job_id])[job_id].state == JobState.PENDING  # failed calls did not advance the job


def test_a_status_answer_slower_than_the_client_timeout_is_a_transient_error_without_waiting_for_it(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    job_id = backend.submit(submission())
    easegen.delay_status(SLOW_ANSWER_SECONDS)

    started = time.monotonic()
    error = vendor_error(lambda: backend.poll([job_id]))

    assert time.monotonic() - started < SLOW_ANSWER_SECONDS / 3
    assert error.transient and is_transient(error)
    assert str(error) == "Easegen poll (GET /api/mergemedia/result): no answer within 1 s"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("<html>502 Bad Gateway</html>", "HTTP 200 with a body that is not JSON: <html>502 Bad Gateway</html>"),
        ('{"success": false, "detail": "bad ids"}', "expected a JSON array, got {'success': False"),
    ],
)
def test_a_status_answer_no_job_can_be_read_from_is_transient_so_the_batch_is_asked_again(
    backend: EasegenBackend, easegen: FakeEasegen, body: str, complaint: str
) -> None:
    easegen.fail_next_status_calls(1, status=200, body=body)

    error = vendor_error(lambda: backend.poll(["1001"]))

    assert error.transient and is_transient(error) and complaint in str(error)


def test_an_unknown_status_makes_only_that_job_unreadable(backend: EasegenBackend, easegen: FakeEasegen) -> None:
    body = '[{"courseMediaId": "1001", "status": 7}, {"courseMediaId": "1002", "status": 3, "failure_reasons": "x"}]'
    easegen.fail_next_status_calls(1, status=200, body=body)

    statuses = backend.poll(["1001", "1002", "1003"])

    assert statuses["1001"].state is JobState.UNREADABLE
    assert statuses["1001"].reason == "Easegen poll: job 1001 has status 7, expected 0, 1, 2 or 3"
    assert statuses["1002"].state is JobState.FAILED and statuses["1002"].reason == "x"
    assert statuses["1003"].state is JobState.FAILED and statuses["1003"].reason == "Easegen has no record of this job"


def test_an_entry_without_an_id_makes_missing_jobs_unreadable_not_failed(
    backend: EasegenBackend, easegen: FakeEasegen
) -> None:
    easegen.fail_next_status_calls(1, status=200, body='[{"status": 2}, {"courseMediaId": "1002", "status": 1}]')

    statuses = backend.poll(["1001", "1002"])

    assert statuses["1001"].state is JobState.UNREADABLE
    assert "a result entry has no usable courseMediaId" in (statuses["1001"].reason or "")
    assert statuses["1002"].state is JobState.RUNNING


def test_a_status_call_with_a_wrong_key_is_permanent(easegen: FakeEasegen) -> None:
    wrong = EasegenBackend(easegen.base_url, "sk-wrong-key-5678", timeout_seconds=1.0)

    with pytest.raises(MergeVendorError) as caught:
        wrong.poll(["1001"])

    assert not caught.value.transient and "HTTP 401" in str(caught.value) and easegen.status_calls == []


# --- resubmit ------------------------------------------------------------------------------------------------------


def test_a_failed_job_resubmitted_under_its_id_merges_again(backend: EasegenBackend, easegen: FakeEasegen) -> None:
    easegen.script(failed(polls=1, reasons="voice unavailable"), done(polls=2))
    job_id = backend.submit(submission())
    assert backend.poll([job_id])[job_id].state == JobState.FAILED

    backend.resubmit(job_id)

    assert easegen.resubmits == [job_id]
    assert [backend.poll([job_id])[job_id].state for _ in range(2)] == [JobState.PENDING, JobState.DONE]


def test_resubmitting_an_id_the_vendor_does_not_know_is_permanent(backend: EasegenBackend) -> None:
    error = vendor_error(lambda: backend.resubmit("424242"))

    assert not error.transient and str(error) == "Easegen resubmit refused: no courseMediaId '424242'"
