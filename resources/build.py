"""The resource set of each mode, built from names only: nothing here reads the environment. Dagster resolves the
`EnvVar`s and the `from_settings` resources read the settings when a run or a tick initialises them, in that
process, so a code location imported with nothing set runs with what its runs are given."""

from __future__ import annotations

from typing import Any

import dagster as dg
from dagster_aws.s3 import S3PickleIOManager

from resources.database import DatabaseResource
from resources.ingest import IngestResource
from resources.llm import LlmResource
from resources.merge import MergeResource
from resources.object_store import ObjectStoreResource, SettingsS3Resource
from resources.render import RenderResource
from resources.tts import TtsResource
from video_assets.settings import Mode, env_name

IO_PREFIX = "dagster-io"

s3 = SettingsS3Resource(from_settings=True)

backends: dict[str, Any] = {
    "llm": LlmResource(from_settings=True),
    "tts": TtsResource(from_settings=True),
    "merge": MergeResource(from_settings=True),
    "render": RenderResource(from_settings=True),
    "ingest": IngestResource(from_settings=True),
}

embedded: dict[str, Any] = {
    **backends,
    "database": DatabaseResource(from_settings=True),
    "object_store": ObjectStoreResource(from_settings=True, s3=s3),
}

# Required settings are EnvVars with no fallback: a run without one fails naming it. Op outputs (the render
# fan-out) go to the same bucket, because steps may run on different machines.
production: dict[str, Any] = {
    **backends,
    "database": DatabaseResource(url=dg.EnvVar(env_name("database_url"))),
    "object_store": ObjectStoreResource(backend="s3", bucket=dg.EnvVar(env_name("s3_bucket")), s3=s3),
    "io_manager": S3PickleIOManager(s3_resource=s3, s3_bucket=dg.EnvVar(env_name("s3_bucket")), s3_prefix=IO_PREFIX),
}


def resources_for(mode: Mode) -> dict[str, Any]:
    return dict(production if mode == "production" else embedded)
