"""`scripts/prod.sh up` for a test: the whole production topology in a temporary home, stopped again afterwards with
a check that `down` left none of the processes it recorded."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from sensors.liveness import process_exists
from tests.e2e.graphql import GraphQL
from tests.harness.postgres import free_port
from tests.harness.processes import recorded_processes
from tests.media_samples import clip, photo
from tests.operations.cli_process import CLI
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest

REPO = Path(__file__).resolve().parents[2]
PROD = REPO / "scripts" / "prod.sh"
TERMINAL = {"completed", "partial_success", "failed", "cancelled"}
ARTICLE = "# 实验室\n\n宇航员检查火箭模型。\n\n彩条画面用于设备自检。\n\n咖啡之后开始工作。"


@dataclass
class Deployment:
    home: Path
    env: dict[str, str]
    web: str
    materials: Path
    graphql: GraphQL

    @property
    def database_url(self) -> str:
        return self.env["VIDEO_ASSETS_DATABASE_URL"]

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def submit(self, name: str, **fields: object) -> str:
        request = {
            "title": name,
            "markdown": ARTICLE,
            "materials": [{"uri": str(self.materials / file)} for file in ("astronaut.jpg", "rocket.jpg", "bars.mp4")],
            "video_count": 1,
            "aspect": "1:1",
            "target_duration": 15,
            **fields,
        }
        path = self.home / f"{name}.json"
        path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
        result = self.cli("submit", str(path))
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def statuses(self, request_ids: list[str]) -> dict[str, str]:
        with session_scope(self.database_url) as session:
            rows = session.execute(select(VideoRequest.id, VideoRequest.status).where(VideoRequest.id.in_(request_ids)))
            return dict(rows.all())


@contextmanager
def deployed(home: Path, settings: dict[str, str]) -> Iterator[Deployment]:
    materials = home / "materials"
    photo("astronaut", materials / "astronaut.jpg")
    photo("rocket", materials / "rocket.jpg")
    clip(materials / "bars.mp4", 640, 360, seconds=3, source="smptebars")
    port = free_port()
    env = {
        **os.environ,
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_PROD_WEB_PORT": str(port),
        "VIDEO_ASSETS_LOCAL_ROOTS": str(materials),
        "VIDEO_ASSETS_RENDER_PRESET": "ultrafast",
        **settings,
    }
    started = subprocess.run(["bash", str(PROD), "up"], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        prod_env = dict(line.split("=", 1) for line in (home / "prod" / "env").read_text().splitlines() if "=" in line)
        web = f"http://127.0.0.1:{port}"
        yield Deployment(home, {**os.environ, **prod_env}, web, materials, GraphQL(web))
    finally:
        pids = recorded_processes(home)
        stopped = subprocess.run(["bash", str(PROD), "down"], env=env, capture_output=True, text=True, timeout=120)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert not [name for name, pid in pids.items() if process_exists(pid)], "prod.sh down left processes behind"
