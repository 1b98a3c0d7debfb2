"""rendered_videos: fan-out one render step per script variant, then fan-in to the request's final status.

The render checks are the graph asset's own (`check_specs`): each render step measures its video (one ffprobe, and
the grey copies of sampled frames that its ffmpeg pass wrote) before upload and stores the measurements; the fan-in
step records the materialization and the checks from them before it writes the request's final status, so no
request reads `completed` while its checks are still to run. With an external merge backend the render step
submits and returns; the asset is then materialized, and its checks evaluated, by the `reconcile_external_merges`
schedule once the vendor's videos are imported, not by this run.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from sqlalchemy.exc import DBAPIError

from executors.queues import VIDEO_GENERATION, VIDEO_PROCESSING, on_queue
from resources.database import DatabaseResource
from resources.ingest import IngestResource
from resources.merge import MergeResource
from resources.object_store import ObjectStoreResource
from resources.render import RenderResource
from resources.tts import TtsResource
from video_assets.assets.common import (
    NETWORK_RETRY,
    begin_stage,
    fail_stage,
    records_every_exit,
    stage_workdir,
)
from video_assets.assets.render_reports import CHECKS, render_check_results, rendered_videos_metadata, severity
from video_assets.assets.vendor_waits import is_final_network_attempt, retry_for, vendor_waits
from video_assets.db.engine import is_unreachable, session_scope
from video_assets.db.repository import RequestCancelled, ensure_not_cancelled, load_spec, set_progress
from video_assets.partitions import request_partitions
from video_assets.stages.context import StageContext
from video_assets.stages.merging import MergeContext, StoreUnreachable, require_reachable_store, submit_variant
from video_assets.stages.rendering import STAGE, VariantRender, finish_request, render_variant, script_variants

PROGRESS_STEP = 0.05


@dg.op(
    ins={"video_scripts": dg.In(dg.Nothing)},
    out=dg.DynamicOut(int),
    tags=on_queue(VIDEO_PROCESSING),
    description="One dynamic output per stored script variant.",
)
@records_every_exit(STAGE, retry_policy=None)
def plan_renders(
    context: dg.OpExecutionContext, database: DatabaseResource, object_store: ObjectStoreResource, merge: MergeResource
) -> Iterator[dg.DynamicOutput]:
    request_id = begin_stage(context, database, STAGE)
    if merge.is_external:
        try:
            require_reachable_store(object_store.store(), merge.backend)
        except StoreUnreachable as error:
            raise fail_stage(database, request_id, STAGE, str(error)) from error
    for variant_index in script_variants(database.url, request_id):
        yield dg.DynamicOutput(variant_index, mapping_key=f"v{variant_index}")


@dg.op(
    pool="render",
    tags=on_queue(VIDEO_GENERATION),
    retry_policy=NETWORK_RETRY,
    description="TTS + one ffmpeg pass for one variant, or one submission to the external merge vendor. "
    "A permanent failure is recorded on the variant and fails this step with its reason; a transient one is retried.",
)
@records_every_exit(STAGE)
def render_one(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    ingest: IngestResource,
    tts: TtsResource,
    render: RenderResource,
    merge: MergeResource,
    variant_index: int,
) -> VariantRender:
    # Every step of the stage begins it: a retry that resumes from a failed render step puts the request back to
    # processing (and heartbeating) without re-running plan_renders.
    request_id = begin_stage(context, database, STAGE)
    last_reported = [0.0]

    def report(fraction: float) -> None:
        """Progress to the log and the request row; a cancelled request stops its render here (ffmpeg is killed)."""
        if fraction - last_reported[0] >= PROGRESS_STEP or fraction >= 1.0:
            last_reported[0] = fraction
            context.log.info(
                f"request_id={request_id} stage={STAGE} video_index={variant_index} progress={fraction:.0%}"
            )
            try:
                with session_scope(database.url) as session:
                    ensure_not_cancelled(session, request_id)
                    set_progress(session, request_id, STAGE, fraction)
            except DBAPIError as error:
                if not is_unreachable(error):
                    raise
                # A database outage must not cost the render; the next report records the progress (and a cancel).
                context.log.warning(f"request_id={request_id} stage={STAGE} progress not recorded: database down")

    # Attempts that only waited for a vendor are not counted (vendor_waits.py): the render slot was handed back.
    waits = vendor_waits(context)
    final_attempt = is_final_network_attempt(context, waits)
    try:
        with database.session() as session:
            spec = load_spec(session, request_id)
        with stage_workdir(request_id, f"{STAGE}-v{variant_index}") as workdir:
            if merge.is_external:
                merging = MergeContext(
                    database.url, object_store.store(), merge.client(), merge.deadline_seconds, workdir
                )
                result = submit_variant(merging, request_id, variant_index, spec, final_attempt)
            else:
                result = render_variant(
                    StageContext(request_id, spec, database.url, object_store.store(), workdir),
                    variant_index,
                    tts.engine(),
                    ingest.policy().fetch.for_request(request_id),
                    object_store.material_reader(),
                    render.settings(),
                    report,
                    final_attempt,
                )
    except RequestCancelled as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    except Exception as error:
        vendor = merge.vendor if merge.is_external else tts.vendor
        retry = retry_for(context, database.url, vendor, error, waits)
        if retry is not None:
            raise retry  # noqa: B904 - its cause is set: the vendor wait, or this error
        raise
    if result.status == "failed":
        # The lost variant's own step is the one that shows red, with the reason; the other variants' steps carry
        # on. Dagster then skips the fan-in, so the run's failure handling settles the request from the outcomes
        # stored on each variant's row (sensors/failures.py): partial_success or failed, never `processing`.
        raise dg.Failure(
            description=f"v{variant_index}: {result.reason}",
            allow_retries=False,
            metadata={"request_id": request_id, "variant": f"v{variant_index}", "reason": str(result.reason)},
        )
    reused = " (kept from an earlier attempt)" if result.reused else ""
    context.log.info(
        f"request_id={request_id} stage={STAGE} video_index={variant_index} status={result.status}{reused}"
    )
    return result


# Dagster names a graph asset's check outputs after the check's key; the graph returns collect_renders' outputs so.
CHECK_SPECS = [
    dg.AssetCheckSpec(name, asset=STAGE, partitions_def=request_partitions, description=description)
    for name, description in CHECKS.items()
]
CHECK_OUTPUTS = [spec.get_python_identifier() for spec in CHECK_SPECS]


@dg.op(
    out={"result": dg.Out(dg.Nothing, is_required=False)}
    | {output: dg.Out(is_required=False) for output in CHECK_OUTPUTS},
    retry_policy=NETWORK_RETRY,
    tags=on_queue(VIDEO_PROCESSING),
    description="Records the materialization and the check results (read from the measurements each render step "
    "took of its video before upload), and only then writes the request's final status. Runs only when every "
    "variant rendered: a lost variant fails its own render step.",
)
@records_every_exit(STAGE)
def collect_renders(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    renders: list[VariantRender],
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    request_id = begin_stage(context, database, STAGE)
    if any(r.status == "merging" for r in renders):
        finish_request(database.url, request_id, renders)
        merging = [r.variant_index for r in renders if r.status == "merging"]
        context.log.info(
            f"request_id={request_id} stage=merging variants={merging}: submitted; the reconcile schedule "
            "imports the videos and records this partition's materialization and checks"
        )
        return
    with database.session() as session:
        canvas = load_spec(session, request_id).canvas_size
    measured = render_check_results(database.url, request_id, canvas)
    # Every variant that reaches this step is ready: a lost one fails its own render step, and Dagster then skips
    # this one. The materialization and the checks are recorded first, so whoever reads the request as completed
    # finds the checks' verdicts already there.
    metadata = rendered_videos_metadata(database.url, request_id, "completed", object_store.store())
    yield dg.Output(None, output_name="result", metadata=metadata)
    for name, passed, details in measured:
        yield dg.AssetCheckResult(
            check_name=name, asset_key=STAGE, passed=passed, metadata=details, severity=severity(name)
        )
    finish_request(database.url, request_id, renders)


@dg.graph_asset(
    partitions_def=request_partitions,
    ins={"video_scripts": dg.AssetIn(dagster_type=dg.Nothing)},
    group_name="video",
    kinds={"ffmpeg"},
    tags={"stage": STAGE},
    check_specs=CHECK_SPECS,
    description="Finished videos of a request (mp4, cover, subtitles), one per script variant: the `videos` table "
    "shows each cover inline, the materials (#id) its scenes show, duration, resolution, size, status or reason, "
    "and the video's object URI. The checks read each video's ffprobe and sampled-frame measurements, taken "
    "before upload, and are recorded before the request's final status is written.",
)
def rendered_videos(video_scripts: None) -> dict[str, Any]:
    collected = collect_renders(plan_renders(video_scripts).map(render_one).collect())
    return {output: getattr(collected, output) for output in ["result", *CHECK_OUTPUTS]}
