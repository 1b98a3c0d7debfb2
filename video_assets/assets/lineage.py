"""Metadata every stage's materialization starts with: the request's title next to its id, and links to the same
request's page on the stage before and after it, so an operator walks the lineage in clicks, not searches."""

from __future__ import annotations

import dagster as dg

from sensors.requests import STAGE_ORDER
from video_assets.ui_links import request_pages


def lineage_metadata(stage: str, request_id: str, title: str) -> dict[str, dg.MetadataValue]:
    pages = request_pages(request_id)
    index = STAGE_ORDER.index(stage)
    neighbours = [("upstream", name) for name in STAGE_ORDER[max(index - 1, 0) : index]]
    neighbours += [("downstream", name) for name in STAGE_ORDER[index + 1 : index + 2]]
    return {"request_title": dg.MetadataValue.text(title)} | {
        f"{direction} {name}": dg.MetadataValue.url(pages.asset(name)) for direction, name in neighbours
    }
