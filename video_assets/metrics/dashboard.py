"""The Grafana dashboard of the exporter's metrics, built with grafana-foundation-sdk (a dev dependency: only this
generator needs it). `python -m video_assets.metrics.dashboard` rewrites docker/grafana/video-assets.json; a test
checks that the committed file is what this produces. Queries use fixed windows, so each one also runs as is
against Prometheus's own API."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from grafana_foundation_sdk.builders import common, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as options
from grafana_foundation_sdk.models.dashboard import DataSourceRef

OUTPUT = Path(__file__).resolve().parents[2] / "docker" / "grafana" / "video-assets.json"
# Provision the Prometheus data source with this uid (docs/operations.md, "Metrics and alerts").
DATASOURCE = DataSourceRef(type_val="prometheus", uid="prometheus")
FAILURES = "video_assets_stage_failures_total"
ATTEMPTS = 'video_assets_stage_duration_seconds_count{outcome!="retry"}'


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class PanelSpec:
    title: str
    description: str
    unit: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"


def _quantile(metric: str, by: str = "", selector: str = "") -> str:
    labels = f"le, {by}" if by else "le"
    return f"histogram_quantile(0.95, sum by ({labels}) (rate({metric}_bucket{selector}[1h])))"


ROWS: dict[str, tuple[PanelSpec, ...]] = {
    "Stages": (
        PanelSpec(
            "Step attempts per hour",
            "Finished step attempts by stage and outcome (success, failure, retry, cancelled).",
            "short",
            (
                Query(
                    "sum by (stage, outcome) (increase(video_assets_stage_duration_seconds_count[1h]))",
                    "{{stage}} {{outcome}}",
                ),
            ),
        ),
        PanelSpec(
            "Stage duration p95",
            "95th percentile wall time of successful step attempts, by stage.",
            "s",
            (Query(_quantile("video_assets_stage_duration_seconds", "stage", '{outcome="success"}'), "{{stage}}"),),
        ),
        PanelSpec(
            "Stage failures per hour",
            "Step attempts that ended a run's work on a stage, by reason class.",
            "short",
            (Query(f"sum by (stage, reason_class) (increase({FAILURES}[1h]))", "{{stage}} {{reason_class}}"),),
        ),
        PanelSpec(
            "Stage failure ratio (30 min)",
            "Failed share of each stage's finished attempts: what VideoAssetsStageFailureRatioHigh measures.",
            "percentunit",
            (
                Query(
                    f"sum by (stage) (increase({FAILURES}[30m]))"
                    f" / clamp_min(sum by (stage) (increase({ATTEMPTS}[30m])), 1)",
                    "{{stage}}",
                ),
            ),
        ),
        PanelSpec(
            "Stage retries per hour",
            "Attempts that failed with a transient error and were retried.",
            "short",
            (Query("sum by (stage) (increase(video_assets_stage_retries_total[1h]))", "{{stage}}"),),
        ),
        PanelSpec(
            "Render speed p95",
            "Output seconds per wall second of render_one (local renders).",
            "x",
            (Query(_quantile("video_assets_render_speed_ratio"), "p95"),),
        ),
    ),
    "Queue": (
        PanelSpec(
            "Requests by status",
            "Requests in each status, from the system of record.",
            "short",
            (Query("video_assets_requests", "{{status}}"),),
        ),
        PanelSpec(
            "Pickup and queue wait p95",
            "Request created to its first run started, and run queued to started.",
            "s",
            (
                Query(_quantile("video_assets_request_pickup_wait_seconds"), "request pickup"),
                Query(_quantile("video_assets_run_queue_wait_seconds"), "run queue"),
            ),
        ),
        PanelSpec(
            "Oldest pending request and started run",
            "Ages behind the VideoAssetsRequestPickupLag and VideoAssetsRunStartedTooLongAgo alerts.",
            "s",
            (
                Query("video_assets_oldest_pending_request_age_seconds", "oldest pending request"),
                Query("video_assets_oldest_started_run_age_seconds", "oldest started run"),
            ),
        ),
        PanelSpec(
            "Runs queued and under way",
            "Dagster runs by status.",
            "short",
            (Query("video_assets_runs", "{{status}}"),),
        ),
    ),
    "Daemons and sensors": (
        PanelSpec(
            "Sensor last tick age",
            "Seconds since each running sensor last ticked.",
            "s",
            (Query("video_assets_sensor_last_tick_age_seconds", "{{sensor}}"),),
        ),
        PanelSpec(
            "Sensor tick failures per hour",
            "Failed ticks by sensor.",
            "short",
            (Query("sum by (sensor) (increase(video_assets_sensor_tick_failures_total[1h]))", "{{sensor}}"),),
        ),
        PanelSpec(
            "Daemon heartbeat age",
            "Seconds since each Dagster daemon's last heartbeat.",
            "s",
            (Query("video_assets_daemon_heartbeat_age_seconds", "{{daemon}}"),),
        ),
    ),
    "External merges and dead letters": (
        PanelSpec(
            "Open external merge jobs",
            "Jobs still the vendor's, those past their deadline, and the oldest one's age.",
            "short",
            (
                Query("video_assets_merge_jobs_open", "open"),
                Query("video_assets_merge_jobs_overdue", "overdue"),
            ),
            kind="stat",
        ),
        PanelSpec(
            "Oldest open merge job",
            "Age of the oldest external merge job still open.",
            "s",
            (Query("video_assets_merge_job_oldest_open_age_seconds", "oldest"),),
            kind="stat",
        ),
        PanelSpec(
            "Unresolved dead letters",
            "Failed runs waiting for `video-assets retry` or a decision, and the oldest one's age.",
            "short",
            (Query("video_assets_dead_letters_unresolved", "unresolved"),),
            kind="stat",
        ),
        PanelSpec(
            "Oldest unresolved dead letter",
            "Age of the oldest dead letter no retry has resolved.",
            "s",
            (Query("video_assets_dead_letter_oldest_unresolved_age_seconds", "oldest"),),
            kind="stat",
        ),
    ),
    "Vendors": (
        PanelSpec(
            "Vendor breakers not closed",
            "Circuit breakers open or half-open (due for a probe) by vendor kind; `host` counts material hosts. "
            "`video-assets vendors` names them.",
            "short",
            (Query('video_assets_vendor_breakers{state!="closed"}', "{{vendor}} {{state}}"),),
        ),
        PanelSpec(
            "Vendor failures in a row",
            "Consecutive transient failures of each vendor kind's worst breaker; it opens at 3.",
            "short",
            (Query("video_assets_vendor_breaker_failures", "{{vendor}}"),),
        ),
        PanelSpec(
            "Vendor outage so far",
            "Seconds since each vendor kind's breaker opened. Requests that need the vendor fail once this passes "
            "its patience (10 minutes by default).",
            "s",
            (Query("video_assets_vendor_breaker_open_seconds", "{{vendor}}"),),
        ),
    ),
    "Exporter": (
        PanelSpec(
            "Exporter freshness",
            "Seconds since the exporter's last successful refresh, and how long a refresh takes.",
            "s",
            (
                Query("time() - video_assets_exporter_last_success_timestamp_seconds", "since last success"),
                Query("video_assets_exporter_refresh_duration_seconds", "refresh duration"),
            ),
        ),
        PanelSpec(
            "Exporter up and refresh errors",
            "Whether Prometheus scrapes the exporter, and failed refreshes per hour by source.",
            "short",
            (
                Query('up{job="video-assets"}', "up"),
                Query("sum by (source) (increase(video_assets_exporter_errors_total[1h]))", "errors {{source}}"),
            ),
        ),
    ),
}


def _panel(spec: PanelSpec) -> timeseries.Panel | stat.Panel:
    panel: timeseries.Panel | stat.Panel
    if spec.kind == "timeseries":
        legend = common.VizLegendOptions().show_legend(True).display_mode(options.LegendDisplayMode.TABLE)
        panel = (
            timeseries.Panel().legend(legend.placement(options.LegendPlacement.RIGHT)).line_width(1).fill_opacity(10)
        )
    else:
        panel = stat.Panel().graph_mode(options.BigValueGraphMode.AREA).color_mode(options.BigValueColorMode.VALUE)
    panel.title(spec.title).description(spec.description).unit(spec.unit).datasource(DATASOURCE).height(8).span(8)
    for index, query in enumerate(spec.queries):
        target = prometheus.Dataquery().expr(query.expr).legend_format(query.legend).ref_id(chr(ord("A") + index))
        panel.with_target(target)
    return panel


def build() -> dict[str, object]:
    board = (
        dashboard.Dashboard("video-assets")
        .uid("video-assets")
        .tags(["video-assets"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("utc")
    )
    for title, panels in ROWS.items():
        board.with_row(dashboard.Row(title))
        for spec in panels:
            board.with_panel(_panel(spec))
    return board.build().to_json()


def render() -> str:
    return json.dumps(build(), cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def panel_queries(document: dict[str, object]) -> list[str]:
    """Every query expression of a dashboard JSON document."""
    panels = document.get("panels") or []
    return [target["expr"] for panel in panels for target in panel.get("targets") or []]  # type: ignore[union-attr]


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}", file=sys.stderr)
