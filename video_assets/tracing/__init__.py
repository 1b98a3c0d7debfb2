"""Traces per request over OpenTelemetry: plain functions, no dagster; the asset glue calls `stage_span`."""

from video_assets.tracing.provider import build_provider, configure_from_environment, enabled, flush, tracer
from video_assets.tracing.spans import (
    carry_trace,
    child_span,
    claim_trace,
    parse_traceparent,
    record_run_span,
    run_span,
    run_span_id,
    stage_span,
    start_request_trace,
    subprocess_span,
    traceparent_of,
)

__all__ = [
    "build_provider",
    "carry_trace",
    "child_span",
    "claim_trace",
    "configure_from_environment",
    "enabled",
    "flush",
    "parse_traceparent",
    "record_run_span",
    "run_span",
    "run_span_id",
    "stage_span",
    "start_request_trace",
    "subprocess_span",
    "traceparent_of",
    "tracer",
]
