"""Work a render runs beside its own: stills beside the narration, covers beside the ffmpeg pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from video_assets.tracing import carry_trace

Params = ParamSpec("Params")
Result = TypeVar("Result")


class Beside:
    """Submits work to a pool thread under the caller's trace span (threads do not inherit it)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool

    def submit(self, work: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs) -> Future[Result]:
        return self._pool.submit(carry_trace(work), *args, **kwargs)


@contextmanager
def work_beside(workers: int) -> Iterator[Beside]:
    """A pool for work whose result the caller reads later, in the order its serial code would have made it, so a
    failure is reported as it was before the work overlapped. When the caller fails (an error, a cancelled request
    killing ffmpeg), work not yet started is dropped and work under way is waited for: each piece is a Pillow call or
    a subprocess with its own deadline, and none may outlive the render that asked for it. Errors of work the caller
    never read are dropped with it: the caller's own error is the one that happened first."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render-beside")
    try:
        yield Beside(pool)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
