"""One completed and one failed request run through the real pipeline on a file-backed instance configured as the
CLI configures it, with every span kept in memory: the step-log and trace tests of test_request_runs.py read what
these two runs left."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from sensors.launch import execute_request, local_instance, sensor_tick
from tests.conftest import PostgresCluster
from tests.harness.postgres import create_database, drop_database
from tests.media_samples import clip, photo
from tests.pipeline.helpers import pipeline_resources, submit
from video_assets.db.engine import get_engine, session_scope
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions
from video_assets.settings import Settings
from video_assets.tracing import build_provider

# Configured the way an operator configures them; the failed request's material path carries one, so its failure
# reason would put it in a log line if nothing redacted it.
SECRETS = {
    "VIDEO_ASSETS_MERGE_API_KEY": "merge-9f8e7d6c5b4a",
    "VIDEO_ASSETS_LLM_API_KEY": "llmkey-0a1b2c3d4e5f",
    "AWS_SECRET_ACCESS_KEY": "awssecret-112233445566",
}
ARTICLE = "# 实验\n\n清晨的实验室里，工程师检查火箭模型。\n\n屏幕上的彩条是设备自检的画面。"


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """The process's tracer provider, in memory; a process can install only one."""
    exporter = InMemorySpanExporter()
    trace.set_tracer_provider(build_provider(SimpleSpanProcessor(exporter)))
    return exporter


@dataclass(frozen=True)
class PipelineRuns:
    instance: dg.DagsterInstance
    completed: str
    failed: str
    traceparents: dict[str, str]
    spans: list[ReadableSpan]

    def run_ids(self, request_id: str) -> list[str]:
        records = self.instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": request_id}))
        return [record.dagster_run.run_id for record in records]


@pytest.fixture(scope="module")
def pipeline_runs(
    postgres_cluster: PostgresCluster, span_exporter: InMemorySpanExporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineRuns]:
    root = tmp_path_factory.mktemp("observability")
    materials = [photo("astronaut", root / "astronaut.jpg"), clip(root / "bars.mp4", 320, 180, seconds=3)]
    name = f"va_obs_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_cluster.server_url, name, template=postgres_cluster.template)
    with pytest.MonkeyPatch.context() as env:
        for variable, value in SECRETS.items():
            env.setenv(variable, value)
        env.delenv("DAGSTER_HOME", raising=False)
        span_exporter.clear()
        common = {"markdown": ARTICLE, "video_count": 1, "aspect": "1:1", "target_duration": 10}
        completed = submit(url, title="可观测", materials=[{"uri": str(path)} for path in materials], **common)
        missing = root / f"{SECRETS['VIDEO_ASSETS_MERGE_API_KEY']}.jpg"
        failed = submit(url, title="缺素材", materials=[{"uri": str(missing)}], **common)
        defs = build_definitions(pipeline_resources(url, None, "", root, [root]))
        with local_instance(Settings(home=root / "home")) as instance:
            assert sorted(sensor_tick(instance, defs, limit=10)) == sorted([completed, failed])
            assert execute_request(instance, defs, completed)
            assert not execute_request(instance, defs, failed)
            with session_scope(url) as session:
                traceparents = {key: get_request(session, key).trace_context or "" for key in (completed, failed)}
            yield PipelineRuns(instance, completed, failed, traceparents, list(span_exporter.get_finished_spans()))
    get_engine(url).dispose()
    drop_database(postgres_cluster.server_url, name)
