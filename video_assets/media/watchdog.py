"""A download deadline that holds whatever the server does.

Socket timeouts restart with every byte, so a server that drips one byte a second, stalls a TLS handshake or sends
headers forever never trips them. The watchdog is a thread that shuts the download's sockets down once the total
time is up, or once the average rate since the start stays under a minimum after a grace period. Shutting a socket
down wakes whatever read or handshake is blocked on it, and the fetch then reports the watchdog's reason.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_TICK_SECONDS = 0.1


class DownloadWatchdog:
    def __init__(self, total_seconds: float, min_bytes_per_second: float, grace_seconds: float) -> None:
        self.total_seconds = total_seconds
        self.min_bytes_per_second = min_bytes_per_second
        self.grace_seconds = grace_seconds
        self.reason: str | None = None
        self._received = 0
        self._started = 0.0
        # Duplicates of the download's sockets: a shutdown through one reaches the connection whatever urllib3 or
        # the TLS layer did with the original, and the number cannot be reused by another download while we hold it.
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="download-watchdog", daemon=True)

    def __enter__(self) -> DownloadWatchdog:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._thread.join()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def received(self, total_bytes: int) -> None:
        """The body bytes received so far, for the rate rule."""
        self._received = total_bytes

    def watch(self, sock: socket.socket) -> None:
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            if self.reason is not None:
                _shut(duplicate)

    def pool_classes(self) -> dict[str, type[HTTPConnectionPool]]:
        """urllib3 connection pools whose every new socket is watched, for `PoolManager.pool_classes_by_scheme`."""
        watch = self.watch

        class WatchedHTTPConnection(HTTPConnection):
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                watch(sock)
                return sock

        class WatchedHTTPSConnection(HTTPSConnection):
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                watch(sock)
                return sock

        class WatchedHTTPPool(HTTPConnectionPool):
            ConnectionCls = WatchedHTTPConnection

        class WatchedHTTPSPool(HTTPSConnectionPool):
            ConnectionCls = WatchedHTTPSConnection

        return {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

    def verdict(self, elapsed: float) -> str | None:
        if elapsed >= self.total_seconds:
            return f"download took longer than {self.total_seconds:g} s"
        expected = self.min_bytes_per_second * elapsed
        if elapsed >= self.grace_seconds and self._received < expected:
            return (
                f"download slower than {self.min_bytes_per_second:g} bytes/s: {self._received} bytes in {elapsed:.1f} s"
            )
        return None

    def _run(self) -> None:
        while not self._stopping.wait(_TICK_SECONDS):
            reason = self.verdict(time.monotonic() - self._started)
            if reason is not None:
                with self._lock:
                    self.reason = reason
                    for sock in self._sockets:
                        _shut(sock)
                return


class WatchedAdapter(HTTPAdapter):
    """A requests adapter whose every socket the watchdog watches, and which never retries on its own."""

    def __init__(self, watchdog: DownloadWatchdog) -> None:
        self._watchdog = watchdog
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: object) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = self._watchdog.pool_classes()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the other side may have closed it already
        sock.shutdown(socket.SHUT_RDWR)
