"""Two-pass loudness normalisation: measure the mixed soundtrack once, then apply a single linear gain.

Single-pass `loudnorm` rides the gain dynamically (audible pumping), upsamples to 192 kHz and runs on the
render's one serial filter thread; measuring the soundtrack alone is cheap and can overlap other preparation.
"""

from __future__ import annotations

import re

from video_assets.deadlines import pass_budget, run_with_deadline
from video_assets.render.errors import RenderError

TARGET_LUFS = -16.0
PEAK_CEILING_DB = -1.5
PEAK_CEILING = 10 ** (PEAK_CEILING_DB / 20)  # linear sample value, for the limiter
# Never boost a near-silent soundtrack into noise or cut a loud one to nothing.
MAX_GAIN_DB = 20.0
# ebur128 reports its gating floor for silence.
SILENCE_LUFS = -70.0
_INTEGRATED = re.compile(r"Integrated loudness:\s*I:\s*(-?\d+(?:\.\d+)?|-inf) LUFS")


def measure_integrated_loudness(
    command: list[str], planned_seconds: float = 0.0, timeout: float | None = None
) -> float | None:
    """Run an ebur128 measuring command; the integrated loudness in LUFS, or None for silence.

    `timeout` defaults to a budget scaled from `planned_seconds`, the soundtrack's planned duration."""
    budget = pass_budget(planned_seconds) if timeout is None else timeout
    result = run_with_deadline(
        command, "loudness measurement", budget, RenderError, f"planned {planned_seconds:.1f} s of soundtrack"
    )
    if result.returncode != 0:
        raise RenderError(f"loudness measurement failed: {result.stderr.strip()[-1000:] or 'no error output'}")
    found = _INTEGRATED.findall(result.stderr)
    if not found:
        raise RenderError(f"loudness measurement printed no summary: {result.stderr.strip()[-500:]}")
    integrated = float(found[-1])
    return None if integrated <= SILENCE_LUFS else integrated


def gain_to_target(integrated: float | None) -> float:
    """dB of gain that brings `integrated` LUFS to the target; silence is left alone."""
    if integrated is None:
        return 0.0
    return max(-MAX_GAIN_DB, min(MAX_GAIN_DB, TARGET_LUFS - integrated))
