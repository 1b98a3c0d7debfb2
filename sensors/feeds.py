"""Polls the feeds in VIDEO_ASSETS_FEED_URLS and makes one pending request per new entry; the request sensor then
launches them. The cursor is where the next tick starts in the feed list: a tick that fails leaves it where it was,
so the same feeds are polled again and what the failed tick had written is found by its idempotency keys."""

import json

import dagster as dg

from resources.database import DatabaseResource
from resources.ingest import IngestResource
from video_assets.settings import load_settings
from video_assets.stages.feeds import FeedOptions, PollOutcome, poll_feeds


def parse_feed_cursor(raw: str | None) -> int:
    return int(json.loads(raw)["next"]) if raw else 0


def poll_once(context: dg.SensorEvaluationContext, database: DatabaseResource, ingest: IngestResource) -> PollOutcome:
    settings = load_settings()
    options = FeedOptions(
        settings.feed_request_updates,
        settings.feeds_per_tick,
        settings.feed_entries_per_tick,
        offline_planner=settings.llm_backend == "offline",
    )
    start = parse_feed_cursor(context.cursor)
    return poll_feeds(database.url, list(settings.feed_urls), options, ingest.policy().fetch, start)


def feed_tick(instance: dg.DagsterInstance, defs: dg.Definitions) -> PollOutcome:
    """One evaluation of the feed sensor's work, for `video-assets feeds poll`; it starts at the head of the list."""
    from sensors.launch import resolved

    with resolved(defs, "database", "ingest") as resources:
        context = dg.build_sensor_context(instance=instance, sensor_name=feed_sensor.name)
        return poll_once(context, resources.database, resources.ingest)


@dg.sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=300,
    description="Makes one video request per new entry of the RSS/Atom feeds in VIDEO_ASSETS_FEED_URLS; a feed that "
    "cannot be read is recorded with the reason on its `feeds` row.",
)
def feed_sensor(
    context: dg.SensorEvaluationContext, database: DatabaseResource, ingest: IngestResource
) -> dg.SensorResult:
    outcome = poll_once(context, database, ingest)
    cursor = json.dumps({"next": outcome.next_index})
    for report in outcome.reports:
        if report.status == "error":
            context.log.warning(f"feed {report.url}: {report.reason}")
        else:
            context.log.info(
                f"feed {report.url}: {len(report.requested)} new requests, {report.known} known, "
                f"{report.updated} updated, {report.rejected} rejected, {report.deferred} deferred"
            )
    made = sum(len(report.requested) for report in outcome.reports)
    if not made:
        reason = "no feeds configured" if not outcome.reports else "no new feed entries"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor)
    return dg.SensorResult(cursor=cursor)
