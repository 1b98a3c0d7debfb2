"""media_analyses: OpenCV features and an LLM description for every ready material, in a bounded pool."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from video_assets.db.engine import session_scope
from video_assets.db.models import MediaAnalysis, MediaItem
from video_assets.db.upsert import upsert
from video_assets.llm import LlmBackend
from video_assets.stages.article import stored_article
from video_assets.stages.context import StageContext
from video_assets.stages.materials import brief_for, download_material, ready_items
from video_assets.storage import ObjectStore
from video_assets.tracing import carry_trace
from video_assets.transient import is_transient
from video_assets.vision import cv_features


@dataclass(frozen=True)
class ItemResult:
    item_id: int
    status: str
    reason: str | None
    seconds: float
    reused: bool = False
    transient: bool = False  # failed on an error that may clear up by the next attempt (LLM 5xx/429, timeouts)


def _analyse_item(
    item: MediaItem, store: ObjectStore, backend: LlmBackend, workdir: Path, article_context: str
) -> tuple[dict[str, Any], bool]:
    """Row values for one material and whether its failure is transient. A failure becomes a `failed` row with its
    reason, never an exception, so the other materials carry on and a retry only redoes the failed ones."""
    values: dict[str, Any] = {}
    try:
        local = download_material(store, item, workdir)
        features = cv_features(local.media_path, local.kind, local.keyframe_paths)
        values["cv_features"] = features.model_dump(mode="json")
        brief = brief_for(item, None).model_copy(update={"cv": features})
        description, prompt_version = backend.describe_material(brief, local.keyframe_paths, article_context)
    except Exception as error:  # noqa: BLE001 - one material's failure is recorded and the others carry on
        return values | {"status": "failed", "reason": f"{type(error).__name__}: {error}"}, is_transient(error)
    return values | {
        "status": "ready",
        "reason": None,
        "description": description.model_dump(mode="json"),
        "prompt_version": prompt_version,
    }, False


@dataclass(frozen=True)
class AnalysisSummary:
    results: list[ItemResult]
    wall_seconds: float

    @property
    def failed(self) -> list[ItemResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def transient(self) -> list[ItemResult]:
        return [r for r in self.results if r.transient]

    @property
    def failed_share(self) -> float:
        return len(self.failed) / len(self.results) if self.results else 1.0

    @property
    def item_seconds(self) -> float:
        return round(sum(r.seconds for r in self.results if not r.reused), 3)


def analyse_request(stage: StageContext, backend: LlmBackend, backend_name: str, workers: int) -> AnalysisSummary:
    """Idempotent on media item: items already analysed are kept, failed ones are tried again."""
    request_id, spec, database_url, store = stage.request_id, stage.spec, stage.database_url, stage.store
    article_context = f"{spec.title}\n\n{stored_article(store, request_id, spec.markdown).text}"
    with session_scope(database_url) as session:
        items = ready_items(session, request_id)
        done = set(
            session.scalars(
                select(MediaAnalysis.media_item_id).where(
                    MediaAnalysis.request_id == request_id, MediaAnalysis.status == "ready"
                )
            )
        )

    def analyse(item: MediaItem) -> ItemResult:
        if item.id in done:
            return ItemResult(item.id, "ready", None, 0.0, reused=True)
        started = time.perf_counter()
        values, transient = _analyse_item(item, store, backend, stage.workdir, article_context)
        seconds = round(time.perf_counter() - started, 3)
        with session_scope(database_url) as session:
            upsert(
                session,
                MediaAnalysis,
                {"media_item_id": item.id},
                values | {"request_id": request_id, "backend": backend_name, "seconds": seconds},
            )
        return ItemResult(item.id, values["status"], values.get("reason"), seconds, transient=transient)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="analyse") as pool:
        results = list(pool.map(carry_trace(analyse), items))
    return AnalysisSummary(results, round(time.perf_counter() - started, 3))
