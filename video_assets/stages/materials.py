"""Ready materials as the planner sees them, with their files fetched from the object store on demand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.models import MediaAnalysis, MediaItem
from video_assets.scripting import MaterialAnalysis, MaterialBrief
from video_assets.storage import ObjectStore
from video_assets.vision import CvFeatures


@dataclass(frozen=True)
class LocalMaterial:
    kind: Literal["image", "video"]
    media_path: Path
    keyframe_paths: list[Path]


def ready_items(session: Session, request_id: str) -> list[MediaItem]:
    query = select(MediaItem).where(MediaItem.request_id == request_id, MediaItem.status == "ready")
    return list(session.scalars(query.order_by(MediaItem.position)))


def download_material(store: ObjectStore, item: MediaItem, workdir: Path) -> LocalMaterial:
    folder = workdir / f"item-{item.id}"
    assert item.object_key and item.kind in ("image", "video"), f"media item {item.id} is not ready"
    media_path = folder / Path(item.object_key).name
    store.download(item.object_key, media_path)
    keyframes = [store.download(key, folder / Path(key).name) for key in item.keyframe_keys]
    return LocalMaterial(item.kind, media_path, keyframes)  # type: ignore[arg-type]


def brief_for(item: MediaItem, analysis: MediaAnalysis | None) -> MaterialBrief:
    ready = analysis is not None and analysis.status == "ready"
    return MaterialBrief(
        id=item.id,
        kind=item.kind,  # type: ignore[arg-type]
        duration=item.duration,
        width=item.width or 1,
        height=item.height or 1,
        context=item.context,
        description=item.description,
        analysis=MaterialAnalysis.model_validate(analysis.description) if ready and analysis.description else None,
        cv=CvFeatures.model_validate(analysis.cv_features) if analysis and analysis.cv_features else None,
    )


def briefs_for_request(session: Session, request_id: str) -> list[MaterialBrief]:
    analyses = {
        a.media_item_id: a for a in session.scalars(select(MediaAnalysis).where(MediaAnalysis.request_id == request_id))
    }
    return [brief_for(item, analyses.get(item.id)) for item in ready_items(session, request_id)]
