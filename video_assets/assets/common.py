"""Shared glue: the retry policy for network-bound steps, temp dirs, and stage bookkeeping on the request row."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from resources.database import DatabaseResource
from video_assets.db.repository import RequestCancelled, fail, start_stage
from video_assets.heartbeat import beat_while_alive
from video_assets.settings import load_settings

NETWORK_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


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
    try:
        with database.session() as session:
            start_stage(session, request_id, stage, run_id=context.run.run_id)
    except RequestCancelled as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    # From here to the end of the step, silence on the request means its worker died (sensors/stalled_runs.py).
    beat_while_alive(context, database.url, request_id)
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
        return fail_stage(
            database, request_id, stage, f"{reason} (still failing after {context.retry_number + 1} attempts)"
        )
    context.log.warning(f"request_id={request_id} stage={stage} transient error, retrying: {reason}")
    return TransientStageError(reason)


def fail_stage(database: DatabaseResource, request_id: str, stage: str, reason: str) -> dg.Failure:
    """Record the failure on the request and return a non-retryable Failure for the caller to raise."""
    with database.session() as session:
        fail(session, request_id, stage, reason)
    return dg.Failure(description=reason, allow_retries=False, metadata={"request_id": request_id, "stage": stage})


@contextmanager
def stage_workdir(request_id: str, stage: str) -> Iterator[Path]:
    """A per-step working directory VIDEO_ASSETS_HOME/tmp/<request_id>/<stage>-*, always removed when the step ends.
    A worker killed mid-step leaves it behind; housekeeping removes it once the request is terminal."""
    base = load_settings().temp_dir / request_id
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{stage}-", dir=base) as path:
        yield Path(path)
