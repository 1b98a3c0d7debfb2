"""Prometheus's HTTP API as a test reads it: instant queries, each series as its labels and value."""

from __future__ import annotations

import time

import requests


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def query(self, expr: str) -> list[tuple[dict[str, str], float]]:
        answer = requests.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=30)
        body = answer.json()
        assert answer.status_code == 200 and body["status"] == "success", (expr, body)
        return [(series["metric"], float(series["value"][1])) for series in body["data"]["result"]]

    def value(self, expr: str) -> float:
        """The one series' value of `sum(...)`-style expressions; 0 when there is no such series yet."""
        found = self.query(expr)
        assert len(found) <= 1, (expr, found)
        return found[0][1] if found else 0.0

    def wait_for_a_refresh_after(self, moment: float, timeout: float = 120) -> None:
        """Until Prometheus holds a sample of an exporter refresh that began after `moment` (epoch seconds): the one
        after the first refresh to end after it."""
        deadline = time.monotonic() + timeout
        for _ in range(2):
            while (latest := self.value("max(video_assets_exporter_last_success_timestamp_seconds)")) <= moment:
                assert time.monotonic() < deadline, "Prometheus has no exporter refresh newer than the moment asked"
                time.sleep(1)
            moment = latest
