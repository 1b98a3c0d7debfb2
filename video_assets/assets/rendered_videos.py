"""rendered_videos: fan-out one render step per script variant, then fan-in to the request's final status."""

import dataclasses
from collections.abc import Iterator

import dagster as dg

from resources.database import DatabaseResource
from resources.ingest import IngestResource
from resources.object_store import ObjectStoreResource
from resources.render import RenderResource
from resources.tts import TtsResource
from video_assets.assets.common import begin_stage, stage_workdir
from video_assets.assets.tables import markdown_table
from video_assets.db.engine import session_scope
from video_assets.db.repository import load_spec, set_progress
from video_assets.partitions import request_partitions
from video_assets.stages.rendering import (
    STAGE,
    VariantRender,
    finish_request,
    render_variant,
    rendered_rows,
    script_variants,
)
from video_assets.stages.verification import RenderVerification, verify_render

PROGRESS_STEP = 0.05


@dg.op(
    ins={"video_scripts": dg.In(dg.Nothing)},
    out=dg.DynamicOut(int),
    description="One dynamic output per stored script variant.",
)
def plan_renders(context: dg.OpExecutionContext, database: DatabaseResource) -> dg.DynamicOutput:
    request_id = begin_stage(context, database, STAGE)
    for variant_index in script_variants(database.url, request_id):
        yield dg.DynamicOutput(variant_index, mapping_key=f"v{variant_index}")


@dg.op(pool="render", description="TTS + one ffmpeg pass for one variant; a failure is recorded, not raised.")
def render_one(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    ingest: IngestResource,
    tts: TtsResource,
    render: RenderResource,
    variant_index: int,
) -> VariantRender:
    request_id = context.partition_key
    with database.session() as session:
        spec = load_spec(session, request_id)
    last_reported = [0.0]

    def report(fraction: float) -> None:
        if fraction - last_reported[0] >= PROGRESS_STEP or fraction >= 1.0:
            last_reported[0] = fraction
            context.log.info(
                f"request_id={request_id} stage={STAGE} video_index={variant_index} progress={fraction:.0%}"
            )
            with session_scope(database.url) as session:
                set_progress(session, request_id, STAGE, fraction)

    with stage_workdir(request_id, f"{STAGE}-v{variant_index}") as workdir:
        result = render_variant(
            request_id,
            variant_index,
            spec,
            database.url,
            object_store.store(),
            tts.engine(),
            ingest.policy().fetch,
            object_store.material_reader(),
            render.settings(),
            workdir,
            report,
        )
    log = context.log.info if result.status == "ready" else context.log.error
    log(f"request_id={request_id} stage={STAGE} video_index={variant_index} status={result.status}")
    if result.reason:
        log(f"request_id={request_id} video_index={variant_index} reason={result.reason}")
    return result


@dg.op(description="Writes the aggregate result and the request's final status.")
def collect_renders(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    object_store: ObjectStoreResource,
    renders: list[VariantRender],
) -> dg.MaterializeResult:
    request_id = context.partition_key
    status = finish_request(database.url, request_id, renders)
    store = object_store.store()
    rows = rendered_rows(database.url, request_id)
    ready = [row for row in rows if row.status == "ready"]
    return dg.MaterializeResult(
        metadata={
            "request_id": request_id,
            "request_status": status,
            "videos_ready": len(ready),
            "videos_failed": len(rows) - len(ready),
            "total_seconds": round(sum(row.duration or 0 for row in ready), 2),
            "total_bytes": sum(row.size_bytes or 0 for row in ready),
            "first_cover": dg.MetadataValue.url(store.url(ready[0].cover_key))
            if ready and ready[0].cover_key
            else None,
            "videos": dg.MetadataValue.md(
                markdown_table(
                    ["variant", "status", "duration", "size", "resolution", "render s", "video / reason"],
                    [
                        [
                            row.variant_index,
                            row.status,
                            f"{row.duration or 0:.2f}s",
                            f"{(row.size_bytes or 0) / 1e6:.1f} MB",
                            f"{row.width}x{row.height}",
                            row.render_seconds,
                            store.uri(row.video_key) if row.video_key else row.reason,
                        ]
                        for row in rows
                    ],
                )
            ),
        }
    )


@dg.graph_asset(
    partitions_def=request_partitions,
    ins={"video_scripts": dg.AssetIn(dagster_type=dg.Nothing)},
    group_name="video",
    kinds={"ffmpeg"},
    tags={"stage": STAGE},
)
def rendered_videos(video_scripts: None) -> dg.MaterializeResult:
    return collect_renders(plan_renders(video_scripts).map(render_one).collect())


CHECKS = {
    "duration_matches_plan": "Each video's duration is within 0.5 s of its planned timeline.",
    "canvas_resolution": "Each video has the request's canvas size.",
    "has_audio_stream": "Each video has an audio stream.",
    "not_mostly_black": "Fewer than half of the sampled frames are black.",
}


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(name, asset="rendered_videos", partitions_def=request_partitions, description=description)
        for name, description in CHECKS.items()
    ],
    description="ffprobe and sampled frames over every ready video of the request.",
)
def rendered_video_checks(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource, object_store: ObjectStoreResource
) -> Iterator[dg.AssetCheckResult]:
    request_id = context.partition_key
    with database.session() as session:
        canvas = load_spec(session, request_id).canvas_size
    store = object_store.store()
    verified: dict[int, RenderVerification] = {}
    with stage_workdir(request_id, "verify") as workdir:
        for row in rendered_rows(database.url, request_id):
            if row.status == "ready" and row.video_key:
                video = store.download(row.video_key, workdir / f"v{row.variant_index}.mp4")
                verified[row.variant_index] = verify_render(video, row.planned_duration or 0.0)
    verdicts = {
        "duration_matches_plan": {i: v.duration_ok() for i, v in verified.items()},
        "canvas_resolution": {i: v.resolution_ok(canvas) for i, v in verified.items()},
        "has_audio_stream": {i: v.has_audio for i, v in verified.items()},
        "not_mostly_black": {i: not v.mostly_black() for i, v in verified.items()},
    }
    details = {f"v{i}": dataclasses.asdict(v) for i, v in verified.items()}
    for name, by_variant in verdicts.items():
        yield dg.AssetCheckResult(
            check_name=name,
            asset_key="rendered_videos",
            passed=bool(by_variant) and all(by_variant.values()),
            metadata={"failing_variants": [i for i, ok in by_variant.items() if not ok], "videos": details},
        )
