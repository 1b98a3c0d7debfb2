"""The daemon's runs get their `run` span after they end, from the run record, where their stages expect it."""

import time

import dagster as dg
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from sensors.launch import HOST_TAG
from sensors.requests import PARTITION_TAG, PIPELINE_JOB, TRACE_TAG
from sensors.run_spans import run_span_sensor
from video_assets.tracing import claim_trace, parse_traceparent, run_span_id, start_request_trace


@dg.op
def step(context: dg.OpExecutionContext) -> None:
    if context.run.tags.get("fail"):
        raise dg.Failure("the step failed")


@dg.job(name=PIPELINE_JOB)
def stand_in_pipeline() -> None:
    step()


def run(instance: dg.DagsterInstance, request_id: str, **tags: str) -> tuple[str, str]:
    traceparent = claim_trace(start_request_trace(request_id), request_id) or ""
    result = stand_in_pipeline.execute_in_process(
        instance=instance, raise_on_error=False, tags={TRACE_TAG: traceparent, PARTITION_TAG: request_id, **tags}
    )
    return result.run_id, traceparent


def test_each_ended_run_gets_one_span_under_its_claim(span_exporter: InMemorySpanExporter) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        before = str(time.time() - 1)
        succeeded, succeeded_claim = run(instance, "req-ok")
        failed, failed_claim = run(instance, "req-bad", fail="yes")
        run(instance, "req-cli", **{HOST_TAG: "cli-host"})  # the CLI recorded its own
        span_exporter.clear()
        context = dg.build_sensor_context(instance=instance, cursor=before)
        run_span_sensor(context)
        spans = {span.attributes["dagster.run_id"]: span for span in span_exporter.get_finished_spans()}
        assert set(spans) == {succeeded, failed}
        for run_id, claim in ((succeeded, succeeded_claim), (failed, failed_claim)):
            record = instance.get_run_record_by_id(run_id)
            span = spans[run_id]
            assert span.context.span_id == run_span_id(run_id)
            assert span.parent.span_id == parse_traceparent(claim).span_id
            assert span.context.trace_id == parse_traceparent(claim).trace_id
            assert span.start_time == pytest.approx(record.start_time * 1e9, abs=1e3)
            assert span.end_time == pytest.approx(record.end_time * 1e9, abs=1e3)
        assert spans[succeeded].status.is_ok and not spans[failed].status.is_ok

        span_exporter.clear()
        run_span_sensor(dg.build_sensor_context(instance=instance, cursor=context.cursor))
        assert not span_exporter.get_finished_spans(), "a run's span is recorded once"
