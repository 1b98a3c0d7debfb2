"""editable_exports: every ready variant with a saved timeline becomes the exports its request asks for."""

from __future__ import annotations

from pathlib import Path

from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo
from video_assets.db.repository import load_spec
from video_assets.db.upsert import upsert
from video_assets.export import export_variant
from video_assets.stages.rendering import rendered_rows
from video_assets.storage import ObjectStore


def export_request(database_url: str, request_id: str, store: ObjectStore, workdir: Path) -> dict[int, dict[str, str]]:
    """Variant -> export kind -> zip key, recorded on each variant's row. A variant that cannot be exported gets
    {"error": reason} there instead, and the others carry on; one without a saved timeline is named as such."""
    with session_scope(database_url) as session:
        kinds = list(load_spec(session, request_id).exports)
    results: dict[int, dict[str, str]] = {}
    for row in rendered_rows(database_url, request_id):
        if row.status != "ready" or not kinds:
            continue
        if row.timeline_key is None:
            keys = {"error": "no saved render timeline (rendered before timelines were kept, or by a merge vendor)"}
        else:
            try:
                keys = export_variant(
                    store, request_id, row.variant_index, row.timeline_key, kinds, workdir / f"v{row.variant_index}"
                )
            except Exception as error:  # noqa: BLE001 - recorded on the variant's row; the other variants carry on
                keys = {"error": f"{type(error).__name__}: {error}"}
        with session_scope(database_url) as session:
            key = {"request_id": request_id, "variant_index": row.variant_index}
            upsert(session, RenderedVideo, key, {"export_keys": keys})
        results[row.variant_index] = keys
    return results
