"""The Celery queues steps are routed to, named after the stage workers of the Celery deployment this replaces.
The op tag is dagster-celery's own; with the default executor it is inert."""

from __future__ import annotations

QUEUE_TAG = "dagster-celery/queue"

VIDEO_PROCESSING = "video_processing"  # ingestion, analysis, scripts, planning and collecting the renders
VIDEO_GENERATION = "video_generation"  # render_one: TTS and the ffmpeg pass
MAINTENANCE = "maintenance"  # reconcile and housekeeping
QUEUES = (VIDEO_PROCESSING, VIDEO_GENERATION, MAINTENANCE)


def on_queue(queue: str) -> dict[str, str]:
    return {QUEUE_TAG: queue}
