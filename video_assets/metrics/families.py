"""Every metric the exporter serves, in one registry of its own. Labels are bounded: stages and sensors come from our
code, statuses and reason classes from fixed sets, daemons from Dagster's; never a request or run id."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "video_assets"
STAGE_SECONDS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)
WAIT_SECONDS_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 14400)
RENDER_SPEED_BUCKETS = (0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10)


class Families:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.stage_duration = Histogram(
            f"{PREFIX}_stage_duration_seconds",
            "Wall time of one step attempt, by stage and how it ended (success, failure, retry, cancelled).",
            ["stage", "outcome"],
            buckets=STAGE_SECONDS_BUCKETS,
            registry=r,
        )
        self.stage_failures = Counter(
            f"{PREFIX}_stage_failures",
            "Step attempts that ended a run's work on a stage, by reason class.",
            ["stage", "reason_class"],
            registry=r,
        )
        self.stage_retries = Counter(
            f"{PREFIX}_stage_retries", "Step attempts that failed and were retried.", ["stage"], registry=r
        )
        self.pickup_wait = Histogram(
            f"{PREFIX}_request_pickup_wait_seconds",
            "From a request's creation to the start of its first run.",
            buckets=WAIT_SECONDS_BUCKETS,
            registry=r,
        )
        self.run_queue_wait = Histogram(
            f"{PREFIX}_run_queue_wait_seconds",
            "From a run being queued to its start (the run queue's wait).",
            buckets=WAIT_SECONDS_BUCKETS,
            registry=r,
        )
        self.render_speed = Histogram(
            f"{PREFIX}_render_speed_ratio",
            "Output seconds per wall second of one render_one step.",
            buckets=RENDER_SPEED_BUCKETS,
            registry=r,
        )
        gauge = self._gauge
        self.requests = gauge("requests", "Requests by status.", "status")
        self.oldest_pending_age = gauge(
            "oldest_pending_request_age_seconds", "Age of the oldest pending request (0: none)."
        )
        self.runs = gauge("runs", "Dagster runs in the queue or under way, by status.", "status")
        self.oldest_started_run_age = gauge(
            "oldest_started_run_age_seconds", "Age of the oldest STARTED run (0: none)."
        )
        self.sensor_tick_age = gauge("sensor_last_tick_age_seconds", "Seconds since the sensor's last tick.", "sensor")
        self.sensor_failures = Counter(
            f"{PREFIX}_sensor_tick_failures", "Sensor ticks that failed.", ["sensor"], registry=r
        )
        self.daemon_heartbeat_age = gauge(
            "daemon_heartbeat_age_seconds", "Seconds since the daemon's last heartbeat.", "daemon"
        )
        self.open_merge_jobs = gauge("merge_jobs_open", "External merge jobs still the vendor's to finish.")
        self.oldest_open_merge_age = gauge("merge_job_oldest_open_age_seconds", "Age of the oldest open merge job.")
        self.overdue_merge_jobs = gauge("merge_jobs_overdue", "Open external merge jobs past their deadline.")
        self.dead_letters = gauge("dead_letters_unresolved", "Dead letters no retry has resolved yet.")
        self.oldest_dead_letter_age = gauge(
            "dead_letter_oldest_unresolved_age_seconds", "Age of the oldest unresolved dead letter (0: none)."
        )
        self.breakers = gauge(
            "vendor_breakers",
            "Circuit breakers of a vendor kind (llm, tts, merge, host) in each state (closed, open, half_open).",
            "vendor",
            "state",
        )
        self.breaker_failures = gauge(
            "vendor_breaker_failures", "Consecutive transient failures of the kind's worst breaker.", "vendor"
        )
        self.breaker_open_seconds = gauge(
            "vendor_breaker_open_seconds",
            "Seconds since the kind's longest-open breaker opened (0: none open).",
            "vendor",
        )
        self.last_success = gauge("exporter_last_success_timestamp_seconds", "When the last refresh succeeded.")
        self.refresh_seconds = gauge("exporter_refresh_duration_seconds", "How long the last refresh took.")
        self.errors = Counter(
            f"{PREFIX}_exporter_errors", "Refreshes that failed, by the source that failed.", ["source"], registry=r
        )

    def _gauge(self, name: str, documentation: str, *labels: str) -> Gauge:
        return Gauge(f"{PREFIX}_{name}", documentation, labels, registry=self.registry)
