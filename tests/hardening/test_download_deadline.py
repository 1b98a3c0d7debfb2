"""A download's deadline and minimum rate hold whatever the server does: it drips the body, stalls the TLS
handshake or sends headers forever. Before the watchdog, each of these held a fetch worker for as long as the
server liked, because socket timeouts restart with every byte.

The servers are real sockets on 127.0.0.1. Each counts what it managed to send before the client hung up; a client
that waited would have let it send everything, so the count shows the deadline held without timing assertions.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.fixtures.media import MediaServer
from video_assets.media import FetchPolicy, MaterialRejected, fetch_material

DRIP_BYTES = 400  # at 20 per second: 20 s of dripping, far past every limit below
DRIP_INTERVAL = 0.05
LOOPBACK = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), read_timeout=5.0)
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 2000


@dataclass
class Dripper:
    """A raw TCP server that answers every connection by sending `payload` one byte at a time."""

    payload: bytes
    sent: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _ = self._listener.accept()
        count = 0
        with connection:
            try:
                for byte in self.payload:
                    connection.sendall(bytes([byte]))
                    count += 1
                    time.sleep(DRIP_INTERVAL)
            except OSError:
                pass  # the client hung up, which is the point
        self.sent.append(count)

    def wait_for_hang_up(self) -> int:
        deadline = time.monotonic() + 30
        while not self.sent and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.sent[0]

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def dripper() -> Iterator[Callable[[bytes], Dripper]]:
    started: list[Dripper] = []

    def start(payload: bytes) -> Dripper:
        started.append(Dripper(payload))
        return started[-1]

    yield start
    for server in started:
        server.close()


def refused(url: str, policy: FetchPolicy, dest: Path) -> MaterialRejected:
    with pytest.raises(MaterialRejected) as caught:
        fetch_material(url, dest, policy)
    return caught.value


@pytest.fixture
def deadline() -> FetchPolicy:
    """A 1.5 s total and no rate rule: only the deadline can end these downloads."""
    return replace(LOOPBACK, total_timeout=1.5, min_bytes_per_second=0.0)


def test_a_body_dripped_one_byte_at_a_time_is_cut_at_the_total_deadline(
    server: MediaServer, deadline: FetchPolicy, tmp_path: Path
) -> None:
    sent: list[int] = []

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(DRIP_BYTES))
        handler.end_headers()
        count = 0
        try:
            for _ in range(DRIP_BYTES):
                handler.wfile.write(b"\xff")
                handler.wfile.flush()
                count += 1
                time.sleep(DRIP_INTERVAL)
        except OSError:
            pass
        sent.append(count)

    rejection = refused(server.route("/drip.jpg", drip), deadline, tmp_path)

    assert rejection.reason == "download took longer than 1.5 s" and rejection.transient
    time.sleep(2 * DRIP_INTERVAL)
    assert not sent or sent[0] < DRIP_BYTES / 2  # the server was cut off, not waited for


def test_headers_sent_forever_are_cut_at_the_total_deadline(
    dripper: Callable[[bytes], Dripper], deadline: FetchPolicy, tmp_path: Path
) -> None:
    endless = dripper(b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * DRIP_BYTES)

    rejection = refused(f"http://127.0.0.1:{endless.port}/photo.jpg", deadline, tmp_path)

    assert rejection.reason == "download took longer than 1.5 s"
    assert endless.wait_for_hang_up() < DRIP_BYTES / 2


def test_a_stalled_tls_handshake_is_cut_at_the_total_deadline(
    dripper: Callable[[bytes], Dripper], deadline: FetchPolicy, tmp_path: Path
) -> None:
    # A TLS record header announcing a 16 KB handshake message, then its bytes one at a time.
    stalled = dripper(b"\x16\x03\x03\x40\x00" + b"\x02" * DRIP_BYTES)

    rejection = refused(f"https://127.0.0.1:{stalled.port}/photo.jpg", deadline, tmp_path)

    assert rejection.reason == "download took longer than 1.5 s"
    assert stalled.wait_for_hang_up() < DRIP_BYTES / 2


def test_a_download_below_the_minimum_rate_is_cut_after_the_grace_period(
    dripper: Callable[[bytes], Dripper], tmp_path: Path
) -> None:
    slow = dripper(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % DRIP_BYTES + b"\xff" * DRIP_BYTES)
    rate = replace(LOOPBACK, total_timeout=60.0, min_bytes_per_second=1000.0, rate_grace_seconds=1.0)

    rejection = refused(f"http://127.0.0.1:{slow.port}/photo.jpg", rate, tmp_path)

    assert rejection.reason.startswith("download slower than 1000 bytes/s:") and rejection.transient
    assert slow.wait_for_hang_up() < DRIP_BYTES / 2


def test_a_download_that_keeps_the_rate_and_deadline_is_unaffected(server: MediaServer, tmp_path: Path) -> None:
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(JPEG)))
        handler.end_headers()
        handler.wfile.write(JPEG)

    strict = replace(LOOPBACK, total_timeout=30.0, min_bytes_per_second=1000.0, rate_grace_seconds=0.0)
    fetched = fetch_material(server.route("/photo.jpg", send), tmp_path, strict)
    assert (fetched.sniffed_mime, fetched.size) == ("image/jpeg", len(JPEG))
