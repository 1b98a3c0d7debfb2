"""A request's trace: submit -> claim -> run -> each stage -> each subprocess.

The trace context travels as a W3C traceparent string: stored on the request row at intake (and advanced to the
claim when the sensor claims it), carried to the run as a tag, read by every stage. The run span has a span id
derived from the run id (`run_span_id`), so a stage in any process names its parent from the tag and its run id
alone; the run span itself is recorded by whoever sees the whole run: the CLI's in-process launcher while it runs,
the daemon's run_span_sensor (sensors/run_spans.py) from the run's record once it has ended.
With tracing off no span is recorded, and intake still stores a fresh traceparent, so requests keep their trace id.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from video_assets.tracing.provider import flush, span_id_forced, tracer

REQUEST_ID = "video_assets.request_id"
STAGE = "video_assets.stage"
VARIANT = "video_assets.variant"
RUN_ID = "dagster.run_id"

Result = TypeVar("Result")
_propagator = TraceContextTextMapPropagator()


def traceparent_of(span_context: SpanContext) -> str:
    return f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{int(span_context.trace_flags):02x}"


def parse_traceparent(value: str | None) -> SpanContext | None:
    if not value:
        return None
    found = trace.get_current_span(_propagator.extract({"traceparent": value})).get_span_context()
    return found if found.is_valid else None


def _under(span_context: SpanContext | None) -> otel_context.Context:
    """A context whose parent is `span_context`, or an empty one (a new trace), never whatever happens to be current."""
    if span_context is None:
        return otel_context.Context()
    return trace.set_span_in_context(NonRecordingSpan(span_context), otel_context.Context())


def _ended(name: str, parent: SpanContext | None, attributes: dict[str, Any]) -> SpanContext:
    with tracer().start_as_current_span(name, context=_under(parent), attributes=attributes) as span:
        return span.get_span_context()


def start_request_trace(request_id: str) -> str:
    """The traceparent stored with a new request: its `submit` span, or fresh ids when tracing is off."""
    made = _ended("submit", None, {REQUEST_ID: request_id})
    if made.is_valid:
        return traceparent_of(made)
    ids = RandomIdGenerator()
    return traceparent_of(SpanContext(ids.generate_trace_id(), ids.generate_span_id(), False, TraceFlags.SAMPLED))


def claim_trace(stored: str | None, request_id: str) -> str | None:
    """The `claim` span under the request's stored context; returns what the run should carry (the claim, or the
    stored context unchanged when tracing is off)."""
    made = _ended("claim", parse_traceparent(stored), {REQUEST_ID: request_id})
    return traceparent_of(made) if made.is_valid else stored


def run_span_id(run_id: str) -> int:
    return int(hashlib.sha256(run_id.encode()).hexdigest()[:16], 16) or 1


def _run_parent(traceparent: str | None, run_id: str) -> SpanContext | None:
    carried = parse_traceparent(traceparent)
    if carried is None:
        return None
    return SpanContext(carried.trace_id, run_span_id(run_id), True, carried.trace_flags)


def _start_run_span(traceparent: str | None, run_id: str, request_id: str, start_time: int | None = None) -> Span:
    """The `run` span, with the span id its stages expect, under the claim the run carries."""
    with span_id_forced(run_span_id(run_id)):
        return tracer().start_span(
            "run",
            context=_under(parse_traceparent(traceparent)),
            attributes={REQUEST_ID: request_id, RUN_ID: run_id},
            start_time=start_time,
        )


def record_run_span(
    traceparent: str | None, run_id: str, request_id: str, started: float, ended: float, status: str
) -> None:
    """The span of a run that ran elsewhere (a daemon-launched run worker), from its record's times, after it ended."""
    span = _start_run_span(traceparent, run_id, request_id, int(started * 1e9))
    span.set_attribute("dagster.run_status", status)
    if status != "SUCCESS":
        span.set_status(StatusCode.ERROR, f"run {status.lower()}")
    span.end(int(ended * 1e9))


@contextmanager
def run_span(traceparent: str | None, run_id: str, request_id: str) -> Iterator[Span]:
    """The span of a run this process executes, open while it runs."""
    span = _start_run_span(traceparent, run_id, request_id)
    try:
        with trace.use_span(span, end_on_exit=True):
            yield span
    finally:
        flush()


@contextmanager
def stage_span(
    traceparent: str | None, run_id: str, stage: str, request_id: str, variant: str | None = None
) -> Iterator[Span]:
    """One step of a stage, a child of its run's span; flushed when it ends, however it ends."""
    attributes = {REQUEST_ID: request_id, STAGE: stage, RUN_ID: run_id} | ({VARIANT: variant} if variant else {})
    try:
        with tracer().start_as_current_span(
            f"stage {stage}", context=_under(_run_parent(traceparent, run_id)), attributes=attributes
        ) as span:
            yield span
    finally:
        flush()


@contextmanager
def child_span(name: str, attributes: dict[str, Any]) -> Iterator[Span]:
    """A span under the current one; outside a request's trace (a voice check at submit, a font probe at import)
    nothing, rather than a trace of one span."""
    if not trace.get_current_span().is_recording():
        yield trace.INVALID_SPAN
        return
    with tracer().start_as_current_span(name, attributes=attributes) as span:
        yield span


@contextmanager
def subprocess_span(command: list[str], what: str) -> Iterator[Span]:
    """A child of the current span for one ffmpeg, ffprobe or TTS process, named after the program (a Python
    helper after its script: espeak_lib); the caller adds the exit code."""
    program = Path(command[1]).stem if command[0] == sys.executable and len(command) > 1 else Path(command[0]).name
    with child_span(program, {"process.executable.name": program, "video_assets.what": what}) as span:
        yield span


def carry_trace(work: Callable[..., Result]) -> Callable[..., Result]:
    """`work` run in a pool thread under the span current here: threads do not inherit context variables."""
    captured = otel_context.get_current()

    def run(*args: Any, **kwargs: Any) -> Result:
        token = otel_context.attach(captured)
        try:
            return work(*args, **kwargs)
        finally:
            otel_context.detach(token)

    return run
