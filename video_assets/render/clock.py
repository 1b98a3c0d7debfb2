"""Seconds spent in each named stage of a render, for the rendered_videos metadata and the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class StageClock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = self.seconds.get(name, 0.0) + time.perf_counter() - started
            self.seconds[name] = round(elapsed, 3)
