"""The resource set for one process, from the environment (`.env.example` documents every variable)."""

from __future__ import annotations

from typing import Any

from dagster_aws.s3 import S3Resource

from resources.database import DatabaseResource
from resources.env import secret
from resources.ingest import IngestResource
from resources.llm import LlmResource
from resources.merge import MergeResource
from resources.object_store import ObjectStoreResource
from resources.render import RenderResource
from resources.tts import TtsResource
from video_assets.settings import PREFIX, Settings
from video_assets.settings import env as setting


def build_resources(settings: Settings) -> dict[str, Any]:
    database_url = secret(PREFIX + "DATABASE_URL") or settings.database_url
    s3 = None
    if settings.storage_backend == "s3":
        s3 = S3Resource(
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            aws_access_key_id=secret("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=secret("AWS_SECRET_ACCESS_KEY"),
        )
    llm_key = secret(PREFIX + "LLM_API_KEY")
    return {
        "llm": LlmResource(
            backend=setting("LLM_BACKEND", "offline"),  # type: ignore[arg-type]
            base_url=setting("LLM_BASE_URL", ""),
            api_key=llm_key or "",
            text_model=setting("LLM_TEXT_MODEL", ""),
            vision_model=setting("LLM_VISION_MODEL", ""),
            requests_per_minute=float(setting("LLM_REQUESTS_PER_MINUTE", "60")),
            tokens_per_minute=float(setting("LLM_TOKENS_PER_MINUTE", "200000")),
            workers=int(setting("LLM_WORKERS", "4")),
        ),
        "tts": TtsResource(
            backend=setting("TTS_BACKEND", "espeak"),  # type: ignore[arg-type]
            base_url=setting("TTS_BASE_URL", ""),
            api_key=secret(PREFIX + "TTS_API_KEY") or "",
            model=setting("TTS_MODEL", "tts-1"),
            voice=setting("TTS_VOICE", ""),
        ),
        "merge": MergeResource(
            backend=setting("MERGE_BACKEND", "local"),  # type: ignore[arg-type]
            base_url=setting("MERGE_BASE_URL", ""),
            api_key=secret(PREFIX + "MERGE_API_KEY") or "",
            deadline_seconds=int(setting("MERGE_DEADLINE_SECONDS", "1800")),
        ),
        "render": RenderResource(crf=int(setting("RENDER_CRF", "23")), preset=setting("RENDER_PRESET", "veryfast")),
        "database": DatabaseResource(url=database_url),
        "object_store": ObjectStoreResource(
            backend=settings.storage_backend,
            local_root=str(settings.store_dir),
            bucket=settings.s3_bucket,
            s3=s3,
        ),
        "ingest": IngestResource(
            local_roots=[str(root) for root in settings.local_roots],
            fetch_allow_hosts=list(settings.fetch_allow_hosts),
            max_material_bytes=settings.max_material_bytes,
            workers=settings.fetch_workers,
        ),
    }
