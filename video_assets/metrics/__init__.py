"""Prometheus metrics of the pipeline: `video-assets exporter` reads Dagster's instance and our tables on an interval
and serves what it computed on /metrics. Only sensors/metrics_source.py imports dagster; the rest is plain Python."""
