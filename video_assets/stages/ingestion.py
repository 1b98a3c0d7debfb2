"""media_items: gather -> fetch/probe/normalise (bounded pool) -> upload -> one row per declared material.

Identical bytes under several addresses (the same photo linked twice, a CDN and its mirror) are stored and shown
once: the first copy is the material, the others are recorded as duplicates of it and do not count toward coverage.
"""

from __future__ import annotations

import mimetypes
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem
from video_assets.db.upsert import upsert
from video_assets.media import (
    Article,
    GatheredMaterials,
    IngestedMaterial,
    IngestOutcome,
    IngestPolicy,
    S3Reader,
    gather_materials,
    ingest_all,
)
from video_assets.request_schema import VideoRequestSpec
from video_assets.stages.article import stored_article
from video_assets.stages.context import StageContext
from video_assets.storage import ObjectStore, request_key


@dataclass
class IngestionSummary:
    items: list[MediaItem]
    transient: list[IngestOutcome] = field(default_factory=list)
    reused: int = 0

    @property
    def ready(self) -> list[MediaItem]:
        return self.with_status("ready")

    def counts(self) -> dict[str, int]:
        counter = Counter(f"{item.kind or 'unknown'}_{item.status}" for item in self.items)
        return dict(sorted(counter.items()))

    def total_duration(self) -> float:
        return round(sum(item.duration or 0.0 for item in self.ready if item.kind == "video"), 3)

    def with_status(self, status: str) -> list[MediaItem]:
        return [item for item in self.items if item.status == status]


def material_rows(session: Session, request_id: str) -> list[MediaItem]:
    return list(
        session.scalars(select(MediaItem).where(MediaItem.request_id == request_id).order_by(MediaItem.position))
    )


def declared_sources(spec: VideoRequestSpec, article: Article) -> GatheredMaterials:
    return gather_materials(spec.materials, article)


def ingest_request(
    stage: StageContext, policy: IngestPolicy, workers: int, s3_reader: S3Reader | None, final_attempt: bool
) -> IngestionSummary:
    """Idempotent per (request, source): ready items whose objects exist are not fetched again. Transient failures
    stay `pending` so a step retry picks them up, unless this is the final attempt."""
    request_id, spec, database_url, store = stage.request_id, stage.spec, stage.database_url, stage.store
    gathered = declared_sources(spec, stored_article(store, request_id, spec.markdown))
    positions = {source.uri: index for index, source in enumerate(gathered.accepted)}
    with session_scope(database_url) as session:
        existing = {row.source: row for row in material_rows(session, request_id)}
    done = {
        uri
        for uri, row in existing.items()
        if row.status == "ready" and row.object_key and store.exists(row.object_key)
    }
    todo = [source for source in gathered.accepted if source.uri not in done]
    own = replace(policy, fetch=policy.fetch.for_request(request_id))
    outcomes = ingest_all(todo, stage.workdir, own, max_workers=workers, s3_reader=s3_reader)
    transient = [o for o in outcomes if o.transient and not final_attempt]
    # Rows kept from earlier attempts are already stored, so they stay the material their copies duplicate.
    originals = {row.sha256: row for uri, row in existing.items() if uri in done and row.sha256}
    with session_scope(database_url) as session:
        for outcome in outcomes:
            original = originals.get(outcome.material.sha256) if outcome.material else None
            values = _row_values(request_id, positions[outcome.source.uri], outcome, store, original)
            if outcome in transient:
                values.update(status="pending", reason=f"will retry: {outcome.reason}")
            row = upsert(session, MediaItem, {"request_id": request_id, "source": outcome.source.uri}, values)
            if row.status == "ready" and row.sha256:
                originals.setdefault(row.sha256, row)
        for offset, rejected in enumerate(gathered.rejected):
            upsert(
                session,
                MediaItem,
                {"request_id": request_id, "source": rejected.uri},
                {
                    "position": len(gathered.accepted) + offset,
                    "origin": rejected.origin,
                    "status": "rejected",
                    "reason": rejected.reason,
                },
            )
        items = material_rows(session, request_id)
    return IngestionSummary(items=items, transient=transient, reused=len(done))


def _row_values(
    request_id: str, position: int, outcome: IngestOutcome, store: ObjectStore, original: MediaItem | None
) -> dict[str, Any]:
    """A duplicate keeps what was measured of it but stores no object: its original's files are the ones shown."""
    source = outcome.source
    values: dict[str, Any] = {
        "position": position,
        "origin": source.origin,
        "description": source.description,
        "context": source.context,
    }
    material = outcome.material
    if material is None:
        return values | {"status": "rejected", "reason": outcome.reason}
    values |= _measured(material)
    if original is not None:
        reason = f"same content (sha256 {material.sha256[:12]}) as material #{original.id} {original.source}"
        stored_nothing = {"object_key": None, "thumbnail_key": None, "keyframe_keys": []}
        return values | {"status": "duplicate", "reason": reason} | stored_nothing
    return values | {"status": "ready", "reason": None} | _upload(request_id, position, material, store)


def _measured(material: IngestedMaterial) -> dict[str, Any]:
    probe = material.probe
    return {
        "sha256": material.sha256,
        "size_bytes": material.original_size,
        "kind": probe.kind,
        "mime_type": probe.mime,
        "width": probe.width,
        "height": probe.height,
        "duration": probe.duration,
        "fps": probe.fps,
        "rotation": material.original_probe.rotation,
        "has_audio": probe.has_audio,
        "video_codec": probe.video_codec,
        "audio_codec": probe.audio_codec,
    }


def _upload(request_id: str, position: int, material: IngestedMaterial, store: ObjectStore) -> dict[str, Any]:
    def put(name: str, path: Path) -> str:
        key = request_key(request_id, "media_items", f"{position:03d}", name)
        store.put_file(key, path, mimetypes.guess_type(path.name)[0])
        return key

    return {
        "object_key": put(f"media{material.media_path.suffix.lower()}", material.media_path),
        "thumbnail_key": put("thumbnail.jpg", material.thumbnail),
        "keyframe_keys": [put(f"keyframe_{i:02d}.jpg", path) for i, path in enumerate(material.keyframes)],
    }
