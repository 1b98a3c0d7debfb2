"""A material host that is down (issue 23, item 2): its breaker opens after a few failures, its materials are
rejected with a reason that says the host is down, and the request completes with the other materials. The host is
a real HTTP server on localhost, reached through the downloads' host allow-list, answering 503 throughout."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from sqlalchemy import select

from resources.ingest import IngestResource
from sensors.launch import execute_request
from tests.media_samples import photo
from tests.pipeline.helpers import pipeline_resources
from tests.resilience.lab_request import local_materials, submit_lab_request
from tests.resilience.outage_server import OutageServer
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions
from video_assets.media.http_download import HOST_BREAKER
from video_assets.resilience import breaker_states


def test_a_material_host_that_is_down_rejects_its_materials_and_the_request_completes_with_the_rest(
    postgres_url: str, tmp_path: Path
) -> None:
    local = local_materials(tmp_path)
    hosted = photo("coffee", tmp_path / "coffee.jpg", size=(320, 320)).read_bytes()
    with OutageServer({"/a.jpg": ("image/jpeg", hosted), "/b.jpg": ("image/jpeg", hosted)}) as host:
        host.go_down(float("inf"))
        remote = [f"{host.base_url}/a.jpg", f"{host.base_url}/b.jpg"]
        request_id = submit_lab_request(postgres_url, [str(path) for path in local] + remote)
        resources = pipeline_resources(postgres_url, None, "", tmp_path, [tmp_path])
        resources["ingest"] = IngestResource(
            local_roots=[str(tmp_path)], fetch_allow_hosts=["127.0.0.1"], workers=2, database_url=postgres_url
        )
        with dg.DagsterInstance.ephemeral() as instance:
            assert execute_request(instance, build_definitions(resources), request_id)

    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        items = {item.source: item for item in session.scalars(select(MediaItem).filter_by(request_id=request_id))}
    assert (request.status, request.error) == ("completed", None)
    assert [items[str(path)].status for path in local] == ["ready", "ready"]
    for uri in remote:
        assert items[uri].status == "rejected"
        assert items[uri].reason.startswith("the material host is down: "), items[uri].reason
        assert "HTTP 503" in items[uri].reason and "not asked again before" in items[uri].reason
    # Two materials over four attempts of the step would have asked 8 times without the breaker; it opened on the
    # third failure, and a probe is due only every 30 s.
    assert HOST_BREAKER.failure_threshold <= host.calls_while_down <= HOST_BREAKER.failure_threshold + 1
    (state,) = breaker_states(postgres_url)
    assert (state.vendor, state.state) == (f"host:127.0.0.1:{host.base_url.rsplit(':', 1)[1]}", "open")
