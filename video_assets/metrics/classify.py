"""The bounded label values: which stage a step belongs to, and which class of reason ended it."""

from __future__ import annotations

import re

REASON_CLASSES = ("transient", "permanent", "timeout", "cancelled", "unknown")

_CANCELLED = frozenset({"DagsterExecutionInterruptedError", "KeyboardInterrupt", "CancelledError", "RequestCancelled"})
_TIMEOUT = re.compile(r"Timeout|TimedOut|Deadline")
_TRANSIENT = frozenset({"TransientStageError", "TransientError", "ConnectionError", "ConnectionResetError"})
_PERMANENT = frozenset({"Failure"})  # our stages raise dagster's Failure only once a retry cannot help


def stage_of(step_key: str) -> str:
    """`rendered_videos.render_one[2]` -> `rendered_videos`: the asset (stage) a step key belongs to, never a
    mapping key, so the label stays bounded by the code."""
    return step_key.split(".", 1)[0].split("[", 1)[0]


def reason_class(error_classes: tuple[str, ...], declared: str | None = None) -> str:
    """The class of a step failure. Dagster wraps the step's own exception, so every class along the cause chain
    counts; a class the step declared in its Failure's metadata wins."""
    if declared in REASON_CLASSES:
        return declared
    names = set(error_classes)
    if names & _CANCELLED:
        return "cancelled"
    if any(_TIMEOUT.search(name) for name in names):
        return "timeout"
    if names & _TRANSIENT:
        return "transient"
    if names & _PERMANENT:
        return "permanent"
    return "unknown"


def run_end_class(canceled: bool, message: str) -> str:
    """The class for steps still open when their run ended without a step event (a dead worker, a cancel, the run's
    time limit)."""
    if "max_runtime" in message or "maximum runtime" in message.lower():
        return "timeout"
    return "cancelled" if canceled else "unknown"
