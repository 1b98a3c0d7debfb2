"""What `collect_renders` records, for a run whose fan-in Dagster skipped because a variant failed its render step.

The events go into the failed run's own event log (`instance.report_dagster_event`), not a runless event: the
partition's materialization and check verdicts then link to the run that rendered the videos, with its logs, and each
check planned by that run gets its verdict instead of staying "execution failed". (Runless check evaluations also
share one run id, so Dagster's unique (check, run, partition) row refuses a second one for the same partition.)
`StepMaterializationData` and `AssetCheckEvaluationTargetMaterializationData` are not public API: dagster is pinned,
and tests/pipeline and tests/ui cover this."""

from __future__ import annotations

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster._core.events import StepMaterializationData

from video_assets.assets.render_reports import render_check_evaluations, rendered_videos_metadata
from video_assets.db.engine import session_scope
from video_assets.db.repository import load_spec
from video_assets.stages.rendering import STAGE
from video_assets.storage import ObjectStore


def record_render_aggregate(
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    database_url: str,
    store: ObjectStore,
    request_id: str,
    status: str,
) -> None:
    """A partial_success materializes the partition with the videos table (the lost variant's reason in it); every
    check with a measured video gets its verdict and figures, and `every_variant_rendered` names the lost variants."""
    asset = dg.AssetKey(STAGE)
    with session_scope(database_url) as session:
        canvas = load_spec(session, request_id).canvas_size
    target = None
    if status == "partial_success":
        metadata = rendered_videos_metadata(database_url, request_id, status, store)
        materialization = dg.AssetMaterialization(asset_key=asset, partition=request_id, metadata=metadata)
        _report(instance, run, dg.DagsterEventType.ASSET_MATERIALIZATION, StepMaterializationData(materialization))
        [stored] = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[request_id]), limit=1
        ).records
        # Checks that name the materialization they judged are that materialization's checks in every view; without
        # it the asset page would pair the new verdicts with an older materialization's.
        target = AssetCheckEvaluationTargetMaterializationData(
            storage_id=stored.storage_id, run_id=stored.run_id, timestamp=stored.timestamp
        )
    for evaluation in render_check_evaluations(database_url, request_id, canvas, target):
        _report(instance, run, dg.DagsterEventType.ASSET_CHECK_EVALUATION, evaluation)


def _report(
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    kind: dg.DagsterEventType,
    data: StepMaterializationData | dg.AssetCheckEvaluation,
) -> None:
    event = dg.DagsterEvent(
        event_type_value=kind.value,
        job_name=run.job_name,
        event_specific_data=data,
        message=f"{kind.value} of {STAGE}, recorded for run {run.run_id} after a variant failed its render step",
    )
    instance.report_dagster_event(event, run_id=run.run_id)
