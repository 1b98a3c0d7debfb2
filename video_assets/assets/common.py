"""Shared glue: the retry policy for network-bound steps, temp dirs, and stage bookkeeping on the request row."""

from __future__ import annotations

import functools
import inspect
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
from sqlalchemy.exc import SQLAlchemyError

from resources.database import DatabaseResource
from sensors.requests import TRACE_TAG
from video_assets.assets.request_runs import add_missing_tags, launch_origin
from video_assets.db.engine import session_scope, when_reachable
from video_assets.db.models import VideoRequest
from video_assets.db.patience import patiently, unreachable_database, wait_for_database
from video_assets.db.repository import (
    RequestCancelled,
    RequestNotFound,
    fail,
    get_request,
    note_run_started,
    start_stage,
)
from video_assets.heartbeat import Heartbeat
from video_assets.settings import load_settings
from video_assets.tracing import stage_span
from video_assets.transient import is_transient

NETWORK_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
# How long a failing step waits for an unreachable database to come back so that it can record the failure.
RECORD_WAIT_SECONDS = 600.0

Step = TypeVar("Step", bound=Callable[..., Any])


class TransientStageError(Exception):
    """Raised so the step's RetryPolicy runs it again; rows written so far make the retry cheap."""


def is_final_attempt(
    context: dg.AssetExecutionContext | dg.OpExecutionContext, policy: dg.RetryPolicy = NETWORK_RETRY
) -> bool:
    return context.retry_number >= policy.max_retries


def begin_stage(
    context: dg.AssetExecutionContext | dg.OpExecutionContext, database: DatabaseResource, stage: str
) -> str:
    request_id = context.partition_key
    run = context.run

    def start() -> None:
        with database.session() as session:
            request = get_request(session, request_id)
            start_stage(session, request_id, stage, run_id=run.run_id)
            origin, data = launch_origin(run.job_name, run.tags)
            note_run_started(session, request_id, run.run_id, f"run {run.run_id} started by {origin}", data)
            add_missing_tags(context, request)

    try:
        patiently(start)  # a step that starts during a database outage waits for it instead of failing
    except RequestNotFound as error:
        # A run launched for a partition whose request row is gone (or never existed) has nothing to work on.
        raise dg.Failure(
            description=f"no request {request_id!r} in the database: nothing to {stage} for this partition",
            allow_retries=False,
        ) from error
    except RequestCancelled as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    context.log.info(f"request_id={request_id} stage={stage} attempt={context.retry_number + 1}")
    return request_id


def retry_or_fail(
    context: dg.AssetExecutionContext | dg.OpExecutionContext,
    database: DatabaseResource,
    request_id: str,
    stage: str,
    reason: str,
) -> Exception:
    """For a transient error: an exception the step's RetryPolicy retries, or, on the last attempt, the
    recorded non-retryable Failure. The caller raises what this returns."""
    if is_final_attempt(context):
        reason = f"{reason} (still failing after {context.retry_number + 1} attempts)"
        return fail_stage(database, request_id, stage, reason, reason_class="transient")
    context.log.warning(f"request_id={request_id} stage={stage} transient error, retrying: {reason}")
    return TransientStageError(reason)


def fail_stage(
    database: DatabaseResource, request_id: str, stage: str, reason: str, reason_class: str | None = None
) -> dg.Failure:
    """Record the failure on the request, waiting for the database if it is down, and return a non-retryable
    Failure for the caller to raise. A `reason_class` goes into its metadata for the metrics exporter, which otherwise
    classifies the failure by its exception chain: a transient error that outlived its retries ends as this same
    Failure."""

    def record() -> None:
        with session_scope(database.url) as session:
            fail(session, request_id, stage, reason)

    when_reachable(record, RECORD_WAIT_SECONDS)
    metadata = {"request_id": request_id, "stage": stage} | ({"reason_class": reason_class} if reason_class else {})
    return dg.Failure(description=reason, allow_retries=False, metadata=metadata)


def records_every_exit(stage: str, retry_policy: dg.RetryPolicy | None = NETWORK_RETRY) -> Callable[[Step], Step]:
    """Wraps a step so that no exit leaves its request `processing`: an unexpected error fails the request with the
    error as its reason, at once when it is permanent, on the last attempt when it is transient (a database outage
    included). The step's `retry_policy` must be the one given here. Failures the step raised itself were recorded
    where they were raised."""

    def decorate(step: Step) -> Step:
        signature = inspect.signature(step)

        @contextmanager
        def guard(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Iterator[None]:
            bound = signature.bind_partial(*args, **kwargs).arguments
            context, database = bound["context"], bound["database"]
            # To the end of the step, silence on the request means its worker died (sensors/stalled_runs.py). The
            # beat stops when the step does, not when its context is collected: in-process, a failed step's context
            # lives on in its traceback, and its beats would race whoever settles the request next.
            with (
                traced_stage(context, database, stage),
                Heartbeat(database.url, context.partition_key),
                _recorded(context, database, stage, retry_policy),
            ):
                yield

        if inspect.isgeneratorfunction(step):

            @functools.wraps(step)
            def steps(*args: Any, **kwargs: Any) -> Iterator[Any]:
                with guard(args, kwargs):
                    yield from step(*args, **kwargs)

            return steps  # type: ignore[return-value]

        @functools.wraps(step)
        def single(*args: Any, **kwargs: Any) -> Any:
            with guard(args, kwargs):
                return step(*args, **kwargs)

        return single  # type: ignore[return-value]

    return decorate


def _run_trace(context: dg.AssetExecutionContext | dg.OpExecutionContext, database: DatabaseResource) -> str | None:
    """The trace context the run carries or, for a run launched without it (the UI, a backfill), the request's.
    Tracing never fails a step: an unreachable database only leaves this step out of the request's trace."""
    carried = context.run.tags.get(TRACE_TAG)
    if carried:
        return carried
    try:
        with database.session() as session:
            request = session.get(VideoRequest, context.partition_key)
            return request.trace_context if request else None
    except SQLAlchemyError:
        return None


@contextmanager
def traced_stage(
    context: dg.AssetExecutionContext | dg.OpExecutionContext, database: DatabaseResource, stage: str
) -> Iterator[None]:
    """The step as a span of its request's trace, a child of its run's span."""
    trace_context, variant = _run_trace(context, database), context.op_execution_context.get_mapping_key()
    with stage_span(trace_context, context.run.run_id, stage, context.partition_key, variant):
        yield


@contextmanager
def _recorded(
    context: dg.AssetExecutionContext | dg.OpExecutionContext,
    database: DatabaseResource,
    stage: str,
    retry_policy: dg.RetryPolicy | None,
) -> Iterator[None]:
    try:
        yield
    except (dg.Failure, dg.RetryRequested, TransientStageError):
        raise
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        if retry_policy is not None and is_transient(error) and context.retry_number < retry_policy.max_retries:
            context.log.warning(f"request_id={context.partition_key} stage={stage} transient error, retrying: {reason}")
            if unreachable_database(error):
                # Retries are spent in seconds; an outage of minutes would use them all. One retry per outage.
                wait_for_database(database.url)
            raise
        reason_class = "transient" if is_transient(error) else None
        raise fail_stage(
            database, context.partition_key, stage, f"{stage} failed unexpectedly: {reason}", reason_class
        ) from error


@contextmanager
def stage_workdir(request_id: str, stage: str) -> Iterator[Path]:
    """A per-step working directory VIDEO_ASSETS_HOME/tmp/<request_id>/<stage>-*, always removed when the step ends.
    A worker killed mid-step leaves it behind; housekeeping removes it once the request is terminal."""
    base = load_settings().temp_dir / request_id
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{stage}-", dir=base) as path:
        yield Path(path)
