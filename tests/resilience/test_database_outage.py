"""A database outage during a render is waited out (issue 23, item 8): the pipeline reaches real Postgres through a
TCP proxy on localhost, which is taken down for 45 s once the variant is rendering (open connections cut, new ones
refused). The step's own retries would be spent in about 14 s; the request still completes, and the rendered video
is recorded once the database is back."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from sensors.launch import execute_request
from tests.hardening.tcp_proxy import TcpProxy
from tests.pipeline.helpers import pipeline_resources
from tests.resilience.lab_request import local_materials, submit_lab_request
from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions

OUTAGE_SECONDS = 45.0


class OutageDuringRender(threading.Thread):
    """Watches the variant's row directly (not through the proxy); once it reads `rendering`, takes the proxy down
    for OUTAGE_SECONDS."""

    def __init__(self, database_url: str, request_id: str, proxy: TcpProxy) -> None:
        super().__init__(daemon=True)
        self.database_url, self.request_id, self.proxy = database_url, request_id, proxy
        self.down_at: datetime | None = None
        self.back_at: datetime | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.05):
            with session_scope(self.database_url) as session:
                status = session.scalar(select(RenderedVideo.status).filter_by(request_id=self.request_id))
            if status == "rendering":
                break
        else:
            return
        self.proxy.down()
        self.down_at = datetime.now(UTC)
        time.sleep(OUTAGE_SECONDS)
        self.back_at = datetime.now(UTC)
        self.proxy.up()


def test_a_45_s_database_outage_during_a_render_is_waited_out_and_the_request_completes(
    postgres_url: str, tmp_path: Path
) -> None:
    request_id = submit_lab_request(postgres_url, [str(path) for path in local_materials(tmp_path)])
    proxy = TcpProxy(make_url(postgres_url).port or 5432)
    proxy.up()
    through_proxy = make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)
    outage = OutageDuringRender(postgres_url, request_id, proxy)
    outage.start()
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            defs = build_definitions(pipeline_resources(through_proxy, None, "", tmp_path, [tmp_path]))
            completed = execute_request(instance, defs, request_id)
    finally:
        outage.stopping.set()
        outage.join()
        proxy.down()

    assert outage.down_at is not None and outage.back_at is not None, "the render never started"
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        (video,) = session.scalars(select(RenderedVideo).filter_by(request_id=request_id))
    assert completed and (request.status, request.error) == ("completed", None)
    assert (video.status, video.reason) == ("ready", None) and video.video_key
    # Recorded after the outage: the render outlived it, and its result waited for the database.
    assert video.updated_at >= outage.back_at
    assert request.finished_at is not None and request.finished_at >= outage.back_at
