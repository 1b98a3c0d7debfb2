"""The process's tracer provider: OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, no tracing otherwise.

Every process that makes spans (API, CLI, daemon sensors, run workers, Celery workers) configures itself the first
time our code asks for the tracer, so no entry point has to remember to. A collector that is down costs a stage at
most one short export timeout: the exporter gives up after `DEFAULT_EXPORT_TIMEOUT_S` unless the standard
`OTEL_EXPORTER_OTLP_TIMEOUT` / `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` say otherwise, and a flush waits no longer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
TIMEOUT_ENVS = ("OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
# The SDK's default is 10 s per attempt, retried: a dead collector would hold every stage end that long.
DEFAULT_EXPORT_TIMEOUT_S = 2.0
SERVICE_NAME = "video-assets"
INSTRUMENTATION = "video_assets"

_forced_span_id: ContextVar[int | None] = ContextVar("forced_span_id", default=None)
_configured = threading.Lock()
_done = False


class StableRunSpanIds(RandomIdGenerator):
    """Random ids, except for a span started under `span_id_forced`: a run's span id is derived from its run id,
    so the stages of the run, in whatever process or machine they run, name their parent without asking anyone."""

    def generate_span_id(self) -> int:
        forced = _forced_span_id.get()
        return forced if forced is not None else super().generate_span_id()


@contextmanager
def span_id_forced(span_id: int) -> Iterator[None]:
    token = _forced_span_id.set(span_id)
    try:
        yield
    finally:
        _forced_span_id.reset(token)


def build_provider(processor: SpanProcessor) -> TracerProvider:
    """A provider with our id generator and service name; tests give it an in-memory exporter."""
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}), id_generator=StableRunSpanIds())
    provider.add_span_processor(processor)
    return provider


def export_timeout_s() -> float:
    for name in TIMEOUT_ENVS:
        if os.environ.get(name):
            return float(os.environ[name])
    return DEFAULT_EXPORT_TIMEOUT_S


def otlp_processor() -> BatchSpanProcessor:
    # Imported here: a process without an endpoint never loads the exporter and its HTTP stack.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    timeout = export_timeout_s()
    return BatchSpanProcessor(OTLPSpanExporter(timeout=timeout), export_timeout_millis=timeout * 1000)


def configure_from_environment() -> None:
    """Install the OTLP provider once per process when an endpoint is configured; otherwise leave the API's no-op
    provider (or one a test installed) in place."""
    global _done
    with _configured:
        if _done:
            return
        _done = True
        if os.environ.get(ENDPOINT_ENV):
            trace.set_tracer_provider(build_provider(otlp_processor()))


def enabled() -> bool:
    configure_from_environment()
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def tracer() -> trace.Tracer:
    configure_from_environment()
    return trace.get_tracer(INSTRUMENTATION)


def flush() -> bool:
    """Send what this process has ended so far, waiting at most the export timeout. A stage calls it when it ends:
    a step process may leave by `os._exit` or be killed, and the batch processor's atexit flush never runs then.
    False when the flush did not finish in time; an export the collector refused is only logged by the SDK. The
    caller carries on either way."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        return True
    return provider.force_flush(int(export_timeout_s() * 1000))
