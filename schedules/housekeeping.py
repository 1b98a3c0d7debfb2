"""Hourly housekeeping that keeps the pipeline safe to leave running: it expires what crashed workers leave behind,
fails requests nothing is working on any more, and keeps the partition count bounded. Each op reports what it
did in its output metadata."""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import dagster as dg
from pydantic import Field

from executors.queues import MAINTENANCE, on_queue
from resources.database import DatabaseResource
from resources.object_store import ObjectStoreResource
from sensors.liveness import live_request_runs
from video_assets import housekeeping
from video_assets.db.maintenance import fail_stuck_request, finished_before, known_requests, stuck_requests
from video_assets.partitions import request_partitions
from video_assets.settings import load_settings

# Lists in metadata and log lines stop here; the counts next to them stay exact.
METADATA_CAP = 50
LOG_CAP = 5


def capped(items: Collection[str], cap: int = METADATA_CAP) -> list[str]:
    shown = sorted(items)[:cap]
    if len(items) > cap:
        shown.append(f"... and {len(items) - cap} more")
    return shown


class TempDirConfig(dg.Config):
    grace_seconds: int = Field(
        600, description="A finished request's working dir is removed once it has been finished this long."
    )
    max_age_seconds: int = Field(86400, description="Any other entry under tmp/ is removed once untouched this long.")


class StuckRequestConfig(dg.Config):
    stuck_after_seconds: int = Field(
        3600, description="A queued or processing request not updated this long, with no live run, is failed."
    )


class PartitionRetentionConfig(dg.Config):
    partition_retention_days: int = Field(
        30, description="Partitions of requests finished longer ago than this are deleted; the rows stay."
    )


class TempObjectConfig(dg.Config):
    ttl_seconds: int = Field(
        86400, description="Objects under requests/<id>/tmp/ and requests/<id>/review/ older than this are deleted."
    )


@dg.op(
    tags=on_queue(MAINTENANCE),
    description="Removes the working dirs of finished or unknown requests, and anything else untouched for a day.",
)
def expire_temp_dirs(context: dg.OpExecutionContext, config: TempDirConfig, database: DatabaseResource) -> None:
    root = load_settings().temp_dir
    ids = housekeeping.request_dir_ids(root)
    with database.session() as session:
        finished = finished_before(session, ids, datetime.now(UTC) - timedelta(seconds=config.grace_seconds))
        unknown = set(ids) - known_requests(session, ids)
    removed = [path.name for path in housekeeping.expire_temp_entries(root, finished | unknown, config.max_age_seconds)]
    context.add_output_metadata(
        {
            "temp_dir": dg.MetadataValue.path(str(root)),
            "removed": len(removed),
            "removed_entries": dg.MetadataValue.json(capped(removed)),
            "unknown_requests": dg.MetadataValue.json(capped(unknown)),
        }
    )
    context.log.info(f"removed {len(removed)} entries under {root}: {capped(removed, LOG_CAP)}")


@dg.op(
    tags=on_queue(MAINTENANCE),
    description="Fails queued or processing requests that no run is working on any more, with a dead letter.",
)
def fail_stuck_requests(context: dg.OpExecutionContext, config: StuckRequestConfig, database: DatabaseResource) -> None:
    updated_before = datetime.now(UTC) - timedelta(seconds=config.stuck_after_seconds)
    with database.session() as session:
        candidates = stuck_requests(session, updated_before)
    live = live_request_runs(context.instance, candidates)
    failed: list[str] = []
    for request_id in candidates:
        if request_id in live:
            continue
        # One transaction per request: each failure stands on its own.
        with database.session() as session:
            reason = fail_stuck_request(session, request_id, updated_before, fallback_run_id=context.run.run_id)
        if reason:
            failed.append(request_id)
            context.log.warning(f"request_id={request_id} failed: {reason}")
    context.add_output_metadata(
        {
            "quiet": len(candidates),
            "failed": len(failed),
            "failed_requests": dg.MetadataValue.json(capped(failed)),
            "with_live_run": len(live),
            "live_requests": dg.MetadataValue.json(capped(live)),
        }
    )
    context.log.info(
        f"{len(candidates)} requests quiet for {config.stuck_after_seconds} s: failed {len(failed)} "
        f"{capped(failed, LOG_CAP)}, left {len(live)} to their live runs"
    )


@dg.op(
    tags=on_queue(MAINTENANCE),
    description="Deletes the partitions of requests that finished long ago, so the partition count stays bounded.",
)
def delete_expired_partitions(
    context: dg.OpExecutionContext, config: PartitionRetentionConfig, database: DatabaseResource
) -> None:
    instance = context.instance
    existing = instance.get_dynamic_partitions(request_partitions.name)
    with database.session() as session:
        expired = finished_before(
            session, existing, datetime.now(UTC) - timedelta(days=config.partition_retention_days)
        )
    # A retry re-adds the partition just before its run starts; deleting it under that run would break it.
    expired -= live_request_runs(instance, expired)
    for key in sorted(expired):
        instance.delete_dynamic_partition(request_partitions.name, key)
    context.add_output_metadata(
        {
            "deleted": len(expired),
            "deleted_partitions": dg.MetadataValue.json(capped(expired)),
            "remaining": len(existing) - len(expired),
        }
    )
    context.log.info(f"deleted {len(expired)} of {len(existing)} request partitions: {capped(expired, LOG_CAP)}")


@dg.op(
    tags=on_queue(MAINTENANCE),
    description="Deletes objects under requests/<id>/tmp/ and rejected renders kept under requests/<id>/review/ "
    "older than their TTL.",
)
def expire_temp_objects(
    context: dg.OpExecutionContext, config: TempObjectConfig, object_store: ObjectStoreResource
) -> None:
    deleted = housekeeping.expire_temp_objects(object_store.store(), config.ttl_seconds)
    context.add_output_metadata({"deleted": len(deleted), "deleted_keys": dg.MetadataValue.json(capped(deleted))})
    context.log.info(f"deleted {len(deleted)} temporary objects: {capped(deleted, LOG_CAP)}")


@dg.job(
    description="Housekeeping: temp dirs, stuck requests, partition retention, temporary objects.",
    tags={"dagster/max_runtime": str(30 * 60)},  # a hung listing must not hold a run slot until the next tick
)
def housekeeping_job() -> None:
    expire_temp_dirs()
    fail_stuck_requests()
    delete_expired_partitions()
    expire_temp_objects()


housekeeping_schedule = dg.ScheduleDefinition(
    name="housekeeping_schedule",
    job=housekeeping_job,
    cron_schedule="17 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Runs housekeeping_job hourly with its default config.",
)
