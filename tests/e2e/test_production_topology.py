"""The production topology end to end: `scripts/prod.sh up` starts Postgres, the S3 server, the gRPC code server,
the webserver and the daemon; requests go in through the CLI and come out through the daemon's sensor, runs in
their own processes, and the webserver's GraphQL, as an operator would see them."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from sqlalchemy import select

from sensors.liveness import process_exists
from sensors.requests import RUN_TIME_LIMIT_SECONDS
from tests.e2e.deployment import REPO, TERMINAL, Deployment, deployed
from tests.e2e.graphql import GraphQL
from tests.e2e.prometheus import Prometheus
from tests.harness.processes import process_tree
from tests.media_samples import photo
from tests.operations.cli_process import wait_for
from tests.ui.backfill_dialog import launch_backfill_of_partitions
from tests.ui.harness import chromium
from tests.ui.pages import Page
from video_assets.db.engine import session_scope
from video_assets.db.models import DeadLetter, RenderedVideo, VideoRequest
from video_assets.db.repository import list_events
from video_assets.metrics.dashboard import OUTPUT as DASHBOARD
from video_assets.metrics.dashboard import panel_queries

STAGES = ["media_items", "media_analyses", "video_scripts", "rendered_videos"]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployed(tmp_path_factory.mktemp("prod-home"), {}) as running:
        yield running


def prometheus_of(deployment: Deployment) -> Prometheus:
    return Prometheus(deployment.env["VIDEO_ASSETS_PROMETHEUS_URL"])


DURATION_COUNT = "video_assets_stage_duration_seconds_count"
STEP_STAGES = [*STAGES, "editable_exports"]
# Each figure the metrics test reads, as the PromQL that Prometheus answers it with.
FIGURES = {
    "completed requests": 'sum(video_assets_requests{status="completed"})',
    "failed requests": 'sum(video_assets_requests{status="failed"})',
    "permanent failures": 'sum(video_assets_stage_failures_total{reason_class="permanent"})',
    "media_items permanent failures": 'sum(video_assets_stage_failures_total{stage="media_items", '
    'reason_class="permanent"})',
    "pickups": "sum(video_assets_request_pickup_wait_seconds_count)",
    **{f"{stage} successes": f'sum({DURATION_COUNT}{{stage="{stage}", outcome="success"}})' for stage in STEP_STAGES},
}
# What three completed requests of one video each and one whose material is gone add to those figures. A run that
# a loaded machine lets stall is failed and retried from failure, which runs some steps again: the successes are
# then what Dagster itself reports for the four requests' runs, and at least one step per stage and request (a
# render is three steps: plan_renders, render_one[v0], collect_renders).
IMPLIED = {
    "completed requests": 3,
    "failed requests": 1,
    "permanent failures": 1,
    "media_items permanent failures": 1,
    "pickups": 4,
}
LEAST_SUCCESSES = {
    "media_items": 3,
    "media_analyses": 3,
    "video_scripts": 3,
    "rendered_videos": 9,
    "editable_exports": 3,
}
RUNS_OF_PARTITION = """
query Runs($partition: String!) {
  runsOrError(filter: {tags: [{key: "dagster/partition", value: $partition}]}) {
    ... on Runs { results { stepStats { stepKey status } } }
  }
}
"""


def successful_steps(graphql: GraphQL, request_ids: list[str]) -> dict[str, int]:
    """Successful steps of each stage in the requests' runs, as the webserver reports them."""
    keys = [
        step["stepKey"]
        for request_id in request_ids
        for run in graphql(RUNS_OF_PARTITION, partition=request_id)["runsOrError"]["results"]
        for step in run["stepStats"]
        if step["status"] == "SUCCESS"
    ]
    return {
        f"{stage} successes": sum(key == stage or key.startswith((f"{stage}.", f"{stage}[")) for key in keys)
        for stage in STEP_STAGES
    }


def figures(prometheus: Prometheus) -> dict[str, float]:
    return {name: prometheus.value(expr) for name, expr in FIGURES.items()}


@pytest.fixture(scope="module")
def metrics_before(deployment: Deployment) -> dict[str, float]:
    """The figures before this module's requests (a worker may have run other tests of the module already)."""
    prometheus = prometheus_of(deployment)
    prometheus.wait_for_a_refresh_after(time.time())
    return figures(prometheus)


@dataclass(frozen=True)
class Completed:
    request_ids: list[str]
    seconds: float


@pytest.fixture(scope="module")
def three_requests(deployment: Deployment, metrics_before: dict[str, float]) -> Completed:
    """Three requests submitted together and waited for; the backfill test re-runs two of them."""
    submitted_at = time.monotonic()
    request_ids = [deployment.submit(f"生产{index}") for index in range(3)]
    wait_for(lambda: set(deployment.statuses(request_ids).values()) <= TERMINAL, 900, "three terminal requests")
    return Completed(request_ids, time.monotonic() - submitted_at)


def test_submitted_requests_are_launched_by_the_daemon_and_complete_in_s3_and_postgres(
    deployment: Deployment, three_requests: Completed
) -> None:
    request_ids = three_requests.request_ids
    assert deployment.statuses(request_ids) == dict.fromkeys(request_ids, "completed")
    s3 = boto3.client(
        "s3",
        endpoint_url=deployment.env["VIDEO_ASSETS_S3_ENDPOINT_URL"],
        aws_access_key_id=deployment.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=deployment.env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    with session_scope(deployment.database_url) as session:
        videos = list(session.scalars(select(RenderedVideo).where(RenderedVideo.request_id.in_(request_ids))))
    assert len(videos) == 3
    bucket = deployment.env["VIDEO_ASSETS_S3_BUCKET"]
    for video in videos:
        assert s3.head_object(Bucket=bucket, Key=video.video_key)["ContentLength"] > 10_000
    assert set(request_ids) <= set(deployment.graphql.partition_keys("rendered_videos"))
    for stage in STAGES:
        events = deployment.graphql.materializations(stage, request_ids)
        assert {event["partition"] for event in events} == set(request_ids), stage
        assert all(event["metadataEntries"] for event in events)
    run_ids = {event["runId"] for event in deployment.graphql.materializations("rendered_videos", request_ids)}
    assert len(run_ids) == 3, "one run per request"
    for request_id in request_ids:
        for asset, check in (("video_scripts", "script_coverage"), ("rendered_videos", "duration_matches_plan")):
            [execution, *_] = deployment.graphql.check_executions(asset, check, request_id)
            assert execution["evaluation"]["success"] is True, (asset, check, request_id)
    elapsed = three_requests.seconds
    (deployment.home / "timings.json").write_text(json.dumps({"three_requests_submit_to_completed_s": elapsed}))
    print(f"production mode: 3 requests from submit to completed in {elapsed:.1f} s")


@pytest.fixture(scope="module")
def failed_request(deployment: Deployment, metrics_before: dict[str, float]) -> str:
    """A request whose only material is gone by the time it runs: media_items fails it for good."""
    material = photo("coffee", deployment.materials / "vanishing.jpg")
    request_id = deployment.submit("消失", materials=[{"uri": str(material)}])
    material.unlink()
    wait_for(lambda: deployment.statuses([request_id])[request_id] in TERMINAL, 600, "the failing request")
    return request_id


def test_prometheus_answers_what_three_completed_requests_and_one_failed_imply(
    deployment: Deployment, metrics_before: dict[str, float], three_requests: Completed, failed_request: str
) -> None:
    assert deployment.statuses(three_requests.request_ids) == dict.fromkeys(three_requests.request_ids, "completed")
    assert deployment.statuses([failed_request]) == {failed_request: "failed"}
    prometheus = prometheus_of(deployment)

    successes = successful_steps(deployment.graphql, [*three_requests.request_ids, failed_request])
    assert all(successes[f"{stage} successes"] >= least for stage, least in LEAST_SUCCESSES.items()), successes
    implied = IMPLIED | successes

    def added() -> dict[str, float]:
        now = figures(prometheus)
        return {name: now[name] - metrics_before[name] for name in implied}

    with contextlib.suppress(AssertionError):  # the comparison below says what differs
        wait_for(lambda: added() == implied, 120, "Prometheus's figures")
    assert added() == implied
    assert prometheus.value("sum(video_assets_request_pickup_wait_seconds_sum)") > 0
    heartbeats = {
        labels["daemon"]: age for labels, age in prometheus.query("video_assets_daemon_heartbeat_age_seconds")
    }
    assert "SENSOR" in heartbeats and max(heartbeats.values()) < 120, heartbeats
    ticks = {labels["sensor"]: age for labels, age in prometheus.query("video_assets_sensor_last_tick_age_seconds")}
    assert ticks.get("request_sensor", 1e9) < 120, ticks


def test_every_dashboard_panel_query_parses_and_returns_data_from_prometheus(
    deployment: Deployment, three_requests: Completed, failed_request: str
) -> None:
    queries = panel_queries(json.loads(DASHBOARD.read_text(encoding="utf-8")))
    prometheus = prometheus_of(deployment)
    assert queries and [query for query in queries if not prometheus.query(query)] == []


def test_a_backfill_of_two_completed_partitions_launched_through_graphql_materializes_them_again(
    deployment: Deployment, three_requests: Completed
) -> None:
    request_ids = three_requests.request_ids[:2]
    before = {
        request_id: len(deployment.graphql.materializations("rendered_videos", [request_id]))
        for request_id in request_ids
    }

    backfill = deployment.graphql.launch_backfill(request_ids, STAGES)

    wait_for(
        lambda: deployment.graphql.backfill_status(backfill) not in ("REQUESTED", "CANCELING"), 900, "the backfill"
    )
    assert deployment.graphql.backfill_status(backfill) in ("COMPLETED", "COMPLETED_SUCCESS")
    for request_id in request_ids:
        assert len(deployment.graphql.materializations("rendered_videos", [request_id])) == before[request_id] + 1
    assert deployment.statuses(request_ids) == dict.fromkeys(request_ids, "completed")
    # The UI's backfill launches the asset job, not video_pipeline; its runs still carry the request's tags and time
    # limit, and each request says which run of which backfill took it over.
    runs = deployment.graphql.backfill_runs(backfill)
    assert sorted(run["tags"]["dagster/partition"] for run in runs) == sorted(request_ids)
    for run in runs:
        assert run["jobName"] == "__ASSET_JOB"
        assert run["tags"]["request_id"] == run["tags"]["dagster/partition"]
        assert run["tags"]["dagster/max_runtime"] == str(RUN_TIME_LIMIT_SECONDS)
        with session_scope(deployment.database_url) as session:
            started = [e for e in list_events(session, run["tags"]["request_id"]) if e.kind == "run_started"]
        [by_backfill] = [e for e in started if e.data.get("backfill_id") == backfill]
        assert run["runId"] in by_backfill.message and f"backfill {backfill}" in by_backfill.message


def run_worker_pids(graphql: GraphQL, run_id: str) -> list[int]:
    """The run worker's pid, from the engine event the launcher logs for the run, and every process below it."""
    pids = [int(match) for message in graphql.engine_messages(run_id) for match in re.findall(r"pid: (\d+)", message)]
    return sorted(process_tree(pid for pid in dict.fromkeys(pids) if process_exists(pid)))


def test_a_sigkilled_run_worker_is_detected_and_the_request_never_stays_processing(deployment: Deployment) -> None:
    request_id = deployment.submit("强杀", target_duration=25)

    def rendering() -> str | None:
        with session_scope(deployment.database_url) as session:
            request = session.get(VideoRequest, request_id)
            if request is None or request.stage != "rendered_videos" or request.progress <= 0.05:
                return None
            return request.dagster_run_id

    wait_for(lambda: rendering() is not None, 600, "the render to be under way")
    run_id = rendering()
    assert run_id
    victims = run_worker_pids(deployment.graphql, run_id)
    assert victims, "the run worker process was not found"
    killed_at = time.monotonic()
    for pid in victims:
        os.kill(pid, signal.SIGKILL)

    wait_for(lambda: deployment.statuses([request_id])[request_id] in TERMINAL, 900, "a terminal request")
    settled = time.monotonic() - killed_at

    status = deployment.statuses([request_id])[request_id]
    with session_scope(deployment.database_url) as session:
        letters = list(session.scalars(select(DeadLetter).filter_by(request_id=request_id)))
        final_run_id = session.get(VideoRequest, request_id).dagster_run_id
    assert status == "completed" or (status == "failed" and letters), (status, letters)
    # A retry resumes at the killed render steps, past plan_renders; those steps still take the request over.
    assert status != "completed" or final_run_id != run_id
    print(f"SIGKILLed run worker: request {status} {settled:.1f} s after the kill")


def test_make_prod_prepares_the_example_request_so_the_readme_commands_work(deployment: Deployment) -> None:
    """The README's production section submits examples/request.json against `make prod`; its files must be there."""
    log = (deployment.home / "prod" / "logs" / "prepare-media.log").read_text()
    assert "demo media written to" in log, log
    example = REPO / "examples" / "request.json"
    materials = [REPO / "examples" / item["uri"] for item in json.loads(example.read_text())["materials"]]
    assert [path for path in materials if not path.is_file()] == []
    roots = deployment.env["VIDEO_ASSETS_LOCAL_ROOTS"].split(":")
    assert str(REPO / "examples" / "media") in roots


def dead_letters_resolved(database_url: str, request_ids: list[str]) -> dict[str, list[bool]]:
    """Each request's dead letters, as whether each one is resolved."""
    resolved: dict[str, list[bool]] = {request_id: [] for request_id in request_ids}
    with session_scope(database_url) as session:
        rows = session.execute(
            select(DeadLetter.request_id, DeadLetter.resolved_at).where(DeadLetter.request_id.in_(request_ids))
        )
        for request_id, resolved_at in rows:
            resolved[request_id].append(resolved_at is not None)
    return resolved


def test_an_operator_backfill_clicked_in_chromium_completes_two_dead_lettered_requests_and_names_the_backfill(
    deployment: Deployment, tmp_path: Path
) -> None:
    watermark = photo("coffee", deployment.materials / "backfill-watermark.png", size=(200, 200))
    request_ids = [deployment.submit(f"补跑{index}", watermark={"image_uri": str(watermark)}) for index in range(2)]
    watermark.unlink()  # gone after submit (which refuses a missing one): every render of both requests fails on it

    def dead_lettered() -> bool:
        failed = deployment.statuses(request_ids) == dict.fromkeys(request_ids, "failed")
        # The daemon's dead_letter_sensor writes the letter only once the run has failed for good (no retry to come).
        letters = dead_letters_resolved(deployment.database_url, request_ids)
        return failed and all(not all(resolved) for resolved in letters.values())

    wait_for(dead_lettered, 900, "two failed requests with open dead letters")
    photo("coffee", watermark, size=(200, 200))
    deployment.graphql("mutation { setNuxSeen }")  # the first-visit newsletter dialog would cover the page
    screenshots = REPO / "test-output" / "ui" / "backfill"
    screenshots.mkdir(parents=True, exist_ok=True)

    with chromium(tmp_path / "chromium-profile", tmp_path / "chromedriver.log") as driver:
        page = Page(driver, deployment.web, screenshots)
        backfill = launch_backfill_of_partitions(page, "rendered_videos", request_ids)

    print(f"UI backfill {backfill} of two partitions launched in {page.clicks} clicks")
    wait_for(lambda: set(deployment.statuses(request_ids).values()) <= TERMINAL, 900, "the backfilled requests")
    wait_for(lambda: deployment.graphql.backfill_status(backfill) != "REQUESTED", 300, "the backfill to finish")
    assert deployment.statuses(request_ids) == dict.fromkeys(request_ids, "completed")
    letters = dead_letters_resolved(deployment.database_url, request_ids)
    assert all(resolved and all(resolved) for resolved in letters.values()), letters
    runs = deployment.graphql.backfill_runs(backfill)
    assert sorted(run["tags"]["dagster/partition"] for run in runs) == sorted(request_ids)
    for run in runs:
        request_id = run["tags"]["request_id"]
        assert request_id == run["tags"]["dagster/partition"]
        with session_scope(deployment.database_url) as session:
            started = [e for e in list_events(session, request_id) if e.kind == "run_started"]
        [by_backfill] = [e for e in started if e.data.get("backfill_id") == backfill]
        assert run["runId"] in by_backfill.message and f"backfill {backfill}" in by_backfill.message


def test_make_prod_serves_the_http_api_and_it_reports_the_daemon_and_request_sensor_running(
    deployment: Deployment,
) -> None:
    import requests  # only this test speaks HTTP to the deployment outside GraphQL

    api = deployment.env["VIDEO_ASSETS_API_URL"]
    assert requests.get(f"{api}/healthz", timeout=10).json() == {"status": "ok"}

    def ready() -> bool:  # the request sensor's first tick may come up to one interval after the daemon's heartbeat
        return requests.get(f"{api}/readyz", timeout=60).status_code == 200

    wait_for(ready, 120, "/readyz to answer 200")
    answer = requests.get(f"{api}/readyz", timeout=60)
    assert answer.status_code == 200 and answer.json()["checks"] == {
        "database": "ok",
        "object_store": "ok",
        "dagster_daemon": "ok",
        "request_sensor": "ok",
    }, answer.text
