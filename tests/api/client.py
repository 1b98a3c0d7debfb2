"""What the API tests share: the running server's address and environment, keys made in-process through the same
service functions `video-assets keys create` calls, and the shapes of bodies and problems."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from video_assets.db.engine import session_scope
from video_assets.service.keys import create_key, parse_scopes

REPO = Path(__file__).resolve().parents[2]

# Launch as the daemon would: one request sensor tick, then the runs it asked for, in-process (as `demo` does).
SENSOR_AND_RUN = """
from sensors.launch import execute_request, local_instance, sensor_tick
from video_assets.definitions import defs
from video_assets.settings import load_settings
settings = load_settings()
with local_instance(settings) as instance:
    for key in sensor_tick(instance, defs, 10):
        print(key, execute_request(instance, defs, key))
"""


@dataclass(frozen=True)
class Api:
    url: str
    env: dict[str, str]
    database_url: str
    media_url: str
    home: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "video_assets.cli", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def launch_pending(self) -> subprocess.CompletedProcess[str]:
        """One request sensor tick and the runs it asked for; stdout has `<request id> <succeeded>` per run."""
        return subprocess.run(
            [sys.executable, "-c", SENSOR_AND_RUN], env=self.env, cwd=REPO, capture_output=True, text=True, timeout=600
        )

    def key(self, tenant: str, scopes: str = "submit,read", **limits: Any) -> str:
        """A new key for `tenant`; `limits` are the tenant's own `rate_per_window` or `daily_output_seconds`."""
        with session_scope(self.database_url) as session:
            return create_key(session, tenant, parse_scopes(scopes), **limits)


def request_body(api: Api, **fields: object) -> dict[str, object]:
    return {
        "title": "A tiny test video",
        "markdown": "# Coffee\n\nA cup of coffee on a table, photographed from above.",
        "materials": [{"uri": f"{api.media_url}/coffee.jpg"}],
        "video_count": 1,
        "aspect": "1:1",
        "target_duration": 15,
        "script_styles": ["default"],
        "language": "en",
        **fields,
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_problem(answer: requests.Response, status: int, pointer: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers
    body = answer.json()
    assert body["status"] == status and body["title"]
    if pointer is not None:
        assert pointer in [error["pointer"] for error in body.get("errors", [])], body
    return body
