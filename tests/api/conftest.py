"""One real `video-assets api` under uvicorn for the whole package, on real Postgres and the moto S3 server, with a
local HTTP server for the media a request names."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.api.client import REPO, Api
from tests.harness.postgres import create_database, drop_database, free_port
from tests.media_samples import photo
from video_assets.db.engine import get_engine


@pytest.fixture(scope="package")
def media_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("media")
    photo("coffee", folder / "coffee.jpg", size=(640, 480))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="package")
def api(
    postgres_cluster, s3_endpoint: str, media_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    name = f"va_api_{uuid.uuid4().hex[:10]}"
    database_url = create_database(postgres_cluster.server_url, name, template=postgres_cluster.template)
    port = free_port()
    home = tmp_path_factory.mktemp("api-home")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEO_ASSETS_", "AWS_", "DAGSTER_"))}
    env = kept | {
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_DATABASE_URL": database_url,
        "VIDEO_ASSETS_STORAGE": "s3",
        "VIDEO_ASSETS_S3_BUCKET": f"api-{uuid.uuid4().hex[:10]}",
        "VIDEO_ASSETS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "VIDEO_ASSETS_FETCH_ALLOW_HOSTS": "127.0.0.1",
        "VIDEO_ASSETS_RENDER_PRESET": "ultrafast",
        "VIDEO_ASSETS_API_PORT": str(port),
        # Two processes, as a deployment with VIDEO_ASSETS_API_WORKERS serves: the rate and quota tests then pass only
        # if the counters are shared through Postgres, not kept per process.
        "VIDEO_ASSETS_API_WORKERS": "2",
        "VIDEO_ASSETS_API_RATE_WINDOW_SECONDS": "3",
        "VIDEO_ASSETS_API_MAX_BODY_BYTES": "65536",
    }
    log = (home / "api.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "video_assets.cli", "api"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, (home / "api.log").read_text()
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.2)
        yield Api(url, env, database_url, media_server, home)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        get_engine(database_url).dispose()
        drop_database(postgres_cluster.server_url, name)
