"""Running the real asset graph on a test database and object store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource

from resources.database import DatabaseResource
from resources.ingest import IngestResource
from resources.llm import LlmResource
from resources.merge import MergeResource
from resources.object_store import ObjectStoreResource
from resources.render import RenderResource
from resources.tts import TtsResource
from video_assets.db.engine import session_scope
from video_assets.db.repository import create_request
from video_assets.partitions import request_partitions
from video_assets.request_schema import VideoRequestSpec

# What the UI shows for a rendered_videos materialization, whether rendered here or imported from a merge vendor.
RENDERED_VIDEOS_METADATA_FIELDS = {
    "request_id",
    "request_title",
    "upstream video_scripts",
    "downstream editable_exports",
    "request_status",
    "backend",
    "videos_ready",
    "videos_failed",
    "total_seconds",
    "total_bytes",
    "videos",
    "objects",
    "stage_seconds",
}


def submit(database_url: str, **fields: Any) -> str:
    spec = VideoRequestSpec.model_validate({"title": "测试", "markdown": "# 测试\n\n正文。", **fields})
    with session_scope(database_url) as session:
        return create_request(session, spec)[0]


def pipeline_resources(
    database_url: str,
    s3_endpoint: str | None,
    bucket: str,
    tmp_path: Path,
    local_roots: list[Path],
    allow_hosts: list[str] = (),  # type: ignore[assignment]
    max_material_bytes: int = 5 * 1024 * 1024,
    s3_material_sources: list[str] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    if s3_endpoint:
        store = ObjectStoreResource(
            backend="s3", bucket=bucket, s3=S3Resource(endpoint_url=s3_endpoint, region_name="us-east-1")
        )
    else:
        store = ObjectStoreResource(backend="local", local_root=str(tmp_path / "objects"))
    return {
        "llm": LlmResource(workers=2),
        "tts": TtsResource(),
        "render": RenderResource(preset="ultrafast"),
        "merge": MergeResource(),
        "database": DatabaseResource(url=database_url),
        "object_store": store,
        "ingest": IngestResource(
            local_roots=[str(root) for root in local_roots],
            fetch_allow_hosts=list(allow_hosts),
            s3_material_sources=list(s3_material_sources),
            store_bucket=bucket if s3_endpoint else "",
            max_material_bytes=max_material_bytes,
            workers=2,
        ),
    }


def materialize(
    assets: list[Any], request_id: str, instance: dg.DagsterInstance, resources: dict[str, Any]
) -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions(request_partitions.name, [request_id])
    return dg.materialize(
        assets, partition_key=request_id, instance=instance, resources=resources, raise_on_error=False
    )
