"""The API deployment of tests/api (one per package: the real `video-assets api` on Postgres and the S3 server) and
a real `video-assets webhooks deliver` process beside it, with a retry window of seconds instead of a day."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.api.client import REPO, Api
from tests.api.conftest import api, media_server  # noqa: F401 - the same fixtures, for this package

# Three 500s are retried after about 0.2, 0.4 and 0.8 s (+-50% jitter): well inside the window, which counts from
# the event, even on two cores busy rendering.
SHORT_WINDOW = {
    "VIDEO_ASSETS_WEBHOOK_FIRST_RETRY_SECONDS": "0.2",
    "VIDEO_ASSETS_WEBHOOK_RETRY_WINDOW_SECONDS": "10",
    "VIDEO_ASSETS_WEBHOOK_POLL_SECONDS": "0.2",
    "VIDEO_ASSETS_WEBHOOK_TIMEOUT_SECONDS": "5",
}


READY = "webhook deliverer:"  # what it logs once its workers run


class Deliverer:
    """The deliverer process, which a test may kill (SIGKILL, mid-send) and start again."""

    def __init__(self, deployment: Api) -> None:
        self.env = deployment.env | SHORT_WINDOW
        self.log_path = deployment.home / "deliverer.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "video_assets.cli", "webhooks", "deliver"],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self) -> None:
        """Until it has started its workers, so a test's events are not already old when it first looks."""
        assert self.process is not None
        deadline = time.monotonic() + 60
        while self.log().count(READY) < self.starts:
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, "the deliverer did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def log(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="package")
def deliverer(api: Api) -> Iterator[Deliverer]:  # noqa: F811 - the imported fixture, by name
    running = Deliverer(api)
    running.start()
    running.wait_until_ready()
    yield running
    running.stop()
