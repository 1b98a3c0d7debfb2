"""TTS and the merge vendor behind their shared breakers (issue 23, items 1-3): an outage shorter than the vendor's
patience is waited out, not stormed (the stand-in counts the calls it got while down), and fails nothing; a longer
one fails with a reason naming the vendor and the outage. Each worker builds its own client and its own handle on
the breaker, as separate processes would; only the database is shared. Scaled down for the suite: 8 s outages,
probes every 2 s."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.hardening.test_download_deadline import Dripper
from tests.media_samples import tone
from tests.merge.fake_easegen import FakeEasegen, done
from tests.merge.test_easegen_client import submission
from tests.resilience.outage_server import OutageServer
from video_assets.merge import EasegenBackend, MergeVendorError
from video_assets.resilience import BreakerPolicy, breaker_states, shared_guard
from video_assets.tts import TtsEngine, TtsError, make_tts

OUTAGE_SECONDS = 8.0
POLICY = BreakerPolicy(failure_threshold=3, probe_interval_seconds=2.0)
# Up to the threshold of failures, plus one call already in flight from the other worker, open the breaker; then
# one probe per interval for every worker together. Without the breaker each worker would keep retrying on its own.
CALLS_ALLOWED_WHILE_DOWN = POLICY.failure_threshold + 1 + int(OUTAGE_SECONDS / POLICY.probe_interval_seconds) + 1
SUBMISSION = submission()


@pytest.fixture(scope="module")
def speech_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OutageServer]:
    speech = tone(tmp_path_factory.mktemp("speech") / "speech.mp3", 1.0, frequency=500, sample_rate=24000)
    with OutageServer({"/v1/audio/speech": ("audio/mpeg", speech.read_bytes())}) as server:
        yield server


def tts_worker(server: OutageServer, database_url: str, patience_seconds: float) -> TtsEngine:
    guard = shared_guard(database_url, "tts", patience_seconds, requests_per_minute=600, max_retries=2, policy=POLICY)
    guard.backoff_base_seconds = 0.2
    return make_tts("openai", api_key="k", base_url=f"{server.base_url}/v1", guard=guard)


def test_a_tts_outage_shorter_than_its_patience_is_waited_out_with_a_few_probes(
    speech_server: OutageServer, postgres_url: str, tmp_path: Path
) -> None:
    speech_server.go_down(OUTAGE_SECONDS)
    workers = [tts_worker(speech_server, postgres_url, patience_seconds=120) for _ in range(2)]

    with ThreadPoolExecutor(2) as pool:
        calls = [
            pool.submit(worker.synthesize, "你好，世界。", "zh", "alloy", tmp_path / f"w{index}.mp3")
            for index, worker in enumerate(workers)
        ]
        narrations = [call.result() for call in calls]

    assert all(narration.duration > 0.5 for narration in narrations)
    calls_while_down = speech_server.calls_while_down
    assert POLICY.failure_threshold <= calls_while_down <= CALLS_ALLOWED_WHILE_DOWN, calls_while_down
    assert [(state.vendor, state.state, state.failures) for state in breaker_states(postgres_url)] == [
        ("tts", "closed", 0)
    ]


def test_a_tts_outage_longer_than_its_patience_fails_naming_the_vendor(
    speech_server: OutageServer, postgres_url: str, tmp_path: Path
) -> None:
    speech_server.go_down(float("inf"))
    worker = tts_worker(speech_server, postgres_url, patience_seconds=3)
    try:
        with pytest.raises(TtsError) as caught:
            worker.synthesize("你好。", "zh", "alloy", tmp_path / "n.mp3")
    finally:
        speech_server.go_down(0)

    assert caught.value.transient is False
    assert "vendor tts has been down since" in str(caught.value)
    assert "longer than its patience of 3 s" in str(caught.value) and "503" in str(caught.value)


def test_a_tts_vendor_dripping_its_audio_is_cut_at_the_calls_total_deadline(tmp_path: Path) -> None:
    # Each byte comes well within the read timeout, so only the total deadline can end the call.
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 300\r\n\r\n" + b"\xff" * 300
    vendor = Dripper(answer)
    tts = make_tts(
        "openai",
        api_key="k",
        base_url=f"http://127.0.0.1:{vendor.port}/v1",
        timeout=5.0,
        call_deadline=2.0,
        max_retries=0,
    )

    with pytest.raises(TtsError) as caught:
        tts.synthesize("你好。", "zh", "alloy", tmp_path / "n.mp3")

    assert caught.value.transient and "OpenAI TTS request failed" in str(caught.value)
    assert vendor.wait_for_hang_up() < len(answer) / 2  # hung up on, long before the drip ended


def merge_worker(easegen: FakeEasegen, database_url: str, patience_seconds: float) -> EasegenBackend:
    # As MergeResource builds it: retries up to the breaker's threshold, so one worker alone can open it.
    guard = shared_guard(
        database_url, "merge:easegen", patience_seconds, requests_per_minute=600, max_retries=2, policy=POLICY
    )
    guard.backoff_base_seconds = 0.2
    return EasegenBackend(easegen.base_url, easegen.api_key, guard=guard)


def test_a_merge_vendor_outage_is_waited_out_by_submissions_and_each_variant_is_submitted_once(
    postgres_url: str,
) -> None:
    with FakeEasegen(default=done()) as easegen:
        easegen.go_down(OUTAGE_SECONDS)
        workers = [merge_worker(easegen, postgres_url, patience_seconds=120) for _ in range(2)]
        with ThreadPoolExecutor(2) as pool:
            job_ids = list(pool.map(lambda worker: worker.submit(SUBMISSION), workers))

        # Polls do not wait: while the vendor is down again, a reconcile pass is told so at once (transient).
        first_outage = easegen.calls_while_down
        easegen.go_down(60)
        with pytest.raises(MergeVendorError):
            workers[0].poll(job_ids)  # its third failure opens the breaker
        with pytest.raises(MergeVendorError) as caught:
            workers[1].poll(job_ids)

    assert sorted(job_ids) == ["1001", "1002"] and easegen.job_ids == sorted(job_ids)
    assert POLICY.failure_threshold <= first_outage <= CALLS_ALLOWED_WHILE_DOWN, first_outage
    # The second poll was refused by the open breaker, not sent.
    assert easegen.calls_while_down - first_outage == POLICY.failure_threshold
    assert caught.value.transient and caught.value.delivered is False
    assert "merge:easegen is down since" in str(caught.value) and "not asked again before" in str(caught.value)


def test_a_merge_vendor_outage_longer_than_its_patience_fails_the_submission_as_undelivered(postgres_url: str) -> None:
    with FakeEasegen() as easegen:
        easegen.go_down(600)
        with pytest.raises(MergeVendorError) as caught:
            merge_worker(easegen, postgres_url, patience_seconds=3).submit(SUBMISSION)

    assert not caught.value.transient and caught.value.delivered is False
    assert "vendor merge:easegen has been down since" in str(caught.value)
    assert easegen.job_ids == []


def test_a_merge_vendor_dripping_its_answer_is_cut_at_the_calls_total_deadline() -> None:
    # Each byte comes well within the read timeout, so only the total deadline can end the call.
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n[" + b" " * 300
    vendor = Dripper(answer)
    backend = EasegenBackend(f"http://127.0.0.1:{vendor.port}", "k", timeout_seconds=5.0, call_deadline_seconds=2.0)

    with pytest.raises(MergeVendorError) as caught:
        backend.poll(["1001"])

    assert caught.value.transient
    assert "no complete answer within the call's total deadline of 2 s" in str(caught.value)
    assert vendor.wait_for_hang_up() < len(answer) / 2  # hung up on, long before the drip ended
