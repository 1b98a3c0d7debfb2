"""Bulkheads (issue 23, item 4): with the TTS vendor down, a render step that needs it hands its `render` pool slot
back instead of waiting in it, so a request whose narration needs no vendor (espeak-ng) renders meanwhile.

Two real pipeline runs, one per request, in two threads of this process on one Dagster instance (on Postgres, as in
production) whose `render` pool holds one slot. Request A narrates through the OpenAI-compatible TTS stand-in, which
is down; request B through espeak-ng. A reaches its render first, opens the TTS breaker and hands its slot back; B
must then complete while the stand-in is still down. Only then does the stand-in come back, and A completes too."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from resources.tts import TtsResource
from sensors.launch import execute_request
from tests.conftest import PostgresCluster
from tests.harness.postgres import create_database, drop_database
from tests.media_samples import tone
from tests.metrics.instance import postgres_instance
from tests.pipeline.helpers import pipeline_resources
from tests.resilience.lab_request import local_materials, submit_lab_request
from tests.resilience.outage_server import OutageServer
from video_assets.assets.vendor_waits import VendorWait
from video_assets.db.engine import session_scope
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions
from video_assets.resilience import BreakerPolicy, breaker_states

# Long enough for request B's whole pipeline on a busy 2-core machine; without the bulkhead B waits for the slot
# until A's patience (10 minutes) runs out, far past this.
B_DEADLINE_SECONDS = 240.0
PROBE_INTERVAL = BreakerPolicy().probe_interval_seconds


class RequestRun(threading.Thread):
    def __init__(self, instance: dg.DagsterInstance, defs: dg.Definitions, request_id: str) -> None:
        super().__init__(daemon=True)
        self.instance, self.defs, self.request_id = instance, defs, request_id
        self.completed: bool | None = None

    def run(self) -> None:
        self.completed = execute_request(self.instance, self.defs, self.request_id)


@pytest.fixture
def instance(postgres_cluster: PostgresCluster, tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    name = f"va_dagster_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_cluster.server_url, name)
    with postgres_instance(url, tmp_path / "dagster") as instance:
        instance.event_log_storage.set_concurrency_slots("render", 1)
        yield instance
    drop_database(postgres_cluster.server_url, name)


@pytest.fixture
def speech_server(tmp_path: Path) -> Iterator[OutageServer]:
    speech = tone(tmp_path / "speech.mp3", 1.0, frequency=500, sample_rate=24000)
    with OutageServer({"/v1/audio/speech": ("audio/mpeg", speech.read_bytes())}) as server:
        yield server


def wait_for_open_breaker(database_url: str, vendor: str, runner: RequestRun, timeout: float) -> None:
    stop = threading.Event()
    for _ in range(int(timeout / 0.5)):
        if [s.state for s in breaker_states(database_url, [vendor])] == ["open"] or not runner.is_alive():
            return
        stop.wait(0.5)


def test_a_tts_outage_hands_the_render_slot_to_a_request_that_needs_no_vendor(
    instance: dg.DagsterInstance, speech_server: OutageServer, postgres_url: str, tmp_path: Path
) -> None:
    materials = [str(path) for path in local_materials(tmp_path)]
    needs_tts, needs_none = (submit_lab_request(postgres_url, materials) for _ in range(2))
    resources = pipeline_resources(postgres_url, None, "", tmp_path, [tmp_path])
    vendor_tts = TtsResource(
        backend="openai",
        api_key="k",
        base_url=f"{speech_server.base_url}/v1",
        requests_per_minute=600,
        database_url=postgres_url,
    )
    run_a = RequestRun(instance, build_definitions({**resources, "tts": vendor_tts}), needs_tts)
    run_b = RequestRun(instance, build_definitions(resources), needs_none)

    speech_server.go_down(float("inf"))
    try:
        run_a.start()
        wait_for_open_breaker(postgres_url, "tts", run_a, timeout=B_DEADLINE_SECONDS)
        run_b.start()
        run_b.join(B_DEADLINE_SECONDS)
        b_done_while_tts_down = not run_b.is_alive()
        a_done_while_tts_down = not run_a.is_alive()
    finally:
        speech_server.go_down(0)
        run_b.join()
        run_a.join(3 * PROBE_INTERVAL + B_DEADLINE_SECONDS)

    assert b_done_while_tts_down, "the espeak request did not get the render slot while TTS was down"
    assert not a_done_while_tts_down
    with session_scope(postgres_url) as session:
        statuses = {rid: (r.status, r.error) for rid in (needs_tts, needs_none) for r in [get_request(session, rid)]}
    assert statuses == {needs_tts: ("completed", None), needs_none: ("completed", None)}
    assert run_a.completed and run_b.completed
    # The vendor saw the calls that opened its breaker and about one probe per interval, not a storm.
    assert 3 <= speech_server.calls_while_down <= 3 + 4, speech_server.calls_while_down
    waits = [
        entry
        for entry in instance.all_logs(_run_id(instance, needs_tts), of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
        if entry.dagster_event is not None
        and (cause := entry.dagster_event.step_retry_data.error.cause) is not None
        and cause.cls_name == VendorWait.__name__
    ]
    assert waits, "request A's render step never handed its slot back"


def _run_id(instance: dg.DagsterInstance, request_id: str) -> str:
    (record,) = instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": request_id}))
    return record.dagster_run.run_id
