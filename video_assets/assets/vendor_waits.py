"""Bulkheads for the render step (issue 23, item 4): a render step whose vendor (TTS, or the external merge vendor) is
down hands its `render` pool slot back instead of sleeping in it.

The step's vendor guard does not wait (resources/tts.py, resources/merge.py: `waits=False`), so an open breaker
ends the step's attempt at once. The step then asks Dagster for a retry at the breaker's next probe
(`RetryRequested`); a step up for retry holds no pool slot, so renders that need another vendor, or none, take it
meanwhile. These waits spend none of the step's network retries (NETWORK_RETRY): they are counted from the run's
event log and left out. The vendor's patience still bounds them: past it, the breaker answers VendorOutlasted and
the variant fails naming the vendor and the outage.
"""

from __future__ import annotations

import dagster as dg

from video_assets.assets.common import NETWORK_RETRY
from video_assets.resilience import full_jitter
from video_assets.resilience.breaker import seconds_until_probe
from video_assets.transient import is_transient

# A probe due now still waits this long, so that retries of many steps do not spin on the same instant.
MIN_WAIT_SECONDS = 1.0
MAX_NETWORK_BACKOFF_SECONDS = 60.0


class VendorWait(Exception):
    """The cause of a retry that waited for a vendor's breaker, not for a failure: it is not counted as an attempt."""


def vendor_waits(context: dg.OpExecutionContext) -> int:
    """How many earlier attempts of this step in this run ended by handing the slot back to wait for a vendor."""
    step_key = context.get_step_execution_context().step.key
    retries = context.instance.all_logs(context.run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    return sum(
        1
        for entry in retries
        if entry.step_key == step_key
        and entry.dagster_event is not None
        and _caused_by_vendor_wait(entry.dagster_event.step_retry_data.error)
    )


def network_attempt(context: dg.OpExecutionContext, waits: int) -> int:
    """The step's attempt number (0 first) counting only attempts that failed, not vendor waits."""
    return context.retry_number - waits


def is_final_network_attempt(context: dg.OpExecutionContext, waits: int) -> bool:
    return network_attempt(context, waits) >= NETWORK_RETRY.max_retries


def retry_for(
    context: dg.OpExecutionContext, database_url: str, vendor: str | None, error: Exception, waits: int
) -> dg.RetryRequested | None:
    """The retry a failed render attempt asks for (raise it as it is: its cause is set), or None to let `error` take
    its ordinary course.

    A transient error while the step's vendor's breaker is open: a retry at the next probe, not counted. Another
    transient error once vendor waits have been counted: Dagster's own RetryPolicy counts every attempt, waits
    included, so the step asks for the retry its policy would have given it."""
    if not is_transient(error):
        return None
    until_probe = seconds_until_probe(database_url, vendor) if vendor else None
    if until_probe is not None:
        wait = max(MIN_WAIT_SECONDS, until_probe)
        context.log.warning(f"{vendor} is down: the render slot is handed back, this step tries again in {wait:.0f} s")
        retry = dg.RetryRequested(max_retries=context.retry_number + 1, seconds_to_wait=wait)
        retry.__cause__ = VendorWait(f"{vendor} is down: {error}")
        return retry
    if waits and not is_final_network_attempt(context, waits):
        attempt = network_attempt(context, waits) + 1
        delay = full_jitter(attempt, float(NETWORK_RETRY.delay or 1), MAX_NETWORK_BACKOFF_SECONDS)
        retry = dg.RetryRequested(max_retries=context.retry_number + 1, seconds_to_wait=delay)
        retry.__cause__ = error
        return retry
    return None


def _caused_by_vendor_wait(error: object) -> bool:
    cause = getattr(error, "cause", None)
    return cause is not None and cause.cls_name == VendorWait.__name__
