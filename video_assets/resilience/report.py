"""Breaker states as the CLI shows them (`video-assets vendors`, and the vendors that are down in `status`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from video_assets.resilience.breaker import BreakerState


def breaker_json(state: BreakerState) -> dict[str, Any]:
    return {
        "vendor": state.vendor,
        "state": state.state,
        "failures": state.failures,
        "opened_at": _when(state.opened_at),
        "next_probe_at": _when(state.next_probe_at),
        "probes": state.probes,
        "last_error": state.last_error,
    }


def format_breakers(states: list[BreakerState]) -> str:
    if not states:
        return "no vendor has failed since the breakers were created"
    lines = []
    for state in states:
        line = f"{state.vendor}: {state.state}, {state.failures} consecutive failures"
        if state.state == "open":
            line += f", open since {_when(state.opened_at)}, next probe {_when(state.next_probe_at)}"
        if state.last_error and state.failures:
            line += f"; last error: {state.last_error}"
        lines.append(line)
    return "\n".join(lines)


def _when(value: datetime | None) -> str | None:
    return None if value is None else f"{value:%Y-%m-%d %H:%M:%S %Z}".strip()
