"""A render step that loses its variant fails (the UI shows it red, with the reason), so Dagster never runs the
fan-in after it. The run's failure handling then settles the request from the outcomes each render step stored."""

from __future__ import annotations

from video_assets.db.engine import session_scope
from video_assets.db.repository import TERMINAL_STATUSES, get_request
from video_assets.stages.rendering import STAGE, VariantRender, finish_request, rendered_rows, script_variants

DECIDED = ("ready", "failed", "merging")


def settle_from_outcomes(database_url: str, request_id: str) -> str | None:
    """The request's final status (or `merging`) from its variants' stored outcomes, once every script variant has
    one; None when the request did not stop while rendering or a variant has none (its step died mid-render): the
    caller then fails the request with the run's reason."""
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        if request.status in TERMINAL_STATUSES or request.stage != STAGE:
            return None
    rows = {row.variant_index: row for row in rendered_rows(database_url, request_id)}
    variants = script_variants(database_url, request_id)
    if not variants or any(index not in rows or rows[index].status not in DECIDED for index in variants):
        return None
    outcomes = [VariantRender(index, rows[index].status, rows[index].reason) for index in variants]
    return finish_request(database_url, request_id, outcomes)
