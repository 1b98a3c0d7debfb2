"""Addresses of our own Dagster UI's pages, for the links asset metadata gives operators (lineage in a few clicks).

The asset page of one partition is `/assets/<asset key>?view=partitions&partition=<key>` in Dagster 1.13's UI (its
`assetDetailsPathForKey`); the base address is VIDEO_ASSETS_UI_URL, as the operators' browsers reach the UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from video_assets.settings import load_settings


@dataclass(frozen=True)
class PartitionPages:
    """The pages of one request partition on every asset."""

    ui_url: str
    partition: str

    def asset(self, asset: str) -> str:
        query = urlencode({"view": "partitions", "partition": self.partition})
        return f"{self.ui_url.rstrip('/')}/assets/{quote(asset, safe='')}?{query}"


def request_pages(request_id: str) -> PartitionPages:
    """The request's pages under the UI address the settings give now (read when a step runs, never at import)."""
    return PartitionPages(load_settings().ui_url, request_id)
