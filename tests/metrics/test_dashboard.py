"""The committed dashboard is what the generator produces, and the SDK's own models read it back unchanged: every
field is one the schema knows, in the place it expects. Its queries run against a live Prometheus in
tests/e2e/test_production_topology.py."""

from __future__ import annotations

import json

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

from video_assets.metrics.dashboard import OUTPUT, panel_queries, render
from video_assets.metrics.families import Families


def test_the_committed_dashboard_is_the_generators_output() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run: python -m video_assets.metrics.dashboard"


def test_the_sdk_models_read_the_dashboard_back_unchanged() -> None:
    register_default_plugins()  # panel options and Prometheus targets decode into their typed models
    committed = json.loads(OUTPUT.read_text(encoding="utf-8"))
    decoded = Dashboard.from_json(committed)
    assert json.loads(json.dumps(decoded, cls=JSONEncoder)) == committed
    assert [type(target).__module__ for panel in decoded.panels for target in (getattr(panel, "targets", None) or [])]
    for panel in decoded.panels:
        for target in getattr(panel, "targets", None) or []:
            assert type(target).__name__ == "Dataquery" and "prometheus" in type(target).__module__


def test_every_metric_family_of_the_exporter_has_a_panel() -> None:
    queries = " ".join(panel_queries(json.loads(render())))
    names = {metric.name for metric in Families().registry.collect()}
    assert names and not [name for name in names if name not in queries]
