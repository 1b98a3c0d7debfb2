"""video_scripts: `video_count` script variants with SEO metadata, checked for coverage and duration.

Both checks block: a request whose scripts break them is failed with the problem, and rendering never starts.
"""

import dagster as dg
from sqlalchemy import select

from executors.queues import VIDEO_PROCESSING, on_queue
from resources.database import DatabaseResource
from resources.llm import LlmResource
from resources.object_store import ObjectStoreResource
from video_assets.assets.common import (
    NETWORK_RETRY,
    begin_stage,
    fail_stage,
    records_every_exit,
    retry_or_fail,
    stage_workdir,
)
from video_assets.assets.lineage import lineage_metadata
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.tables import clip, markdown_table, material_link, material_ref
from video_assets.db.models import VideoScript
from video_assets.db.repository import fail, load_spec
from video_assets.partitions import request_partitions
from video_assets.platforms import PLATFORMS
from video_assets.safe_markdown import escape
from video_assets.scripting import CoverageReport, MaterialBrief, Scene, SeoMeta, check_coverage, duration_problem
from video_assets.scripting.models import PlatformPackage
from video_assets.stages.context import StageContext
from video_assets.stages.scripting import VariantOutcome, write_scripts
from video_assets.ui_links import PartitionPages, request_pages

STAGE = "video_scripts"


@dg.asset(
    partitions_def=request_partitions,
    deps=[media_analyses],
    pool="llm",
    op_tags=on_queue(VIDEO_PROCESSING),
    retry_policy=NETWORK_RETRY,
    group_name="video",
    kinds={"python"},
    tags={"stage": STAGE},
    description="`video_count` scripts in their own styles: scenes (material #id, in-out points, planned duration, "
    "narration), coverage of the materials per variant, the SEO pass (3 title candidates and the chosen one, "
    "description, tags) and the package for each target platform within its limits. Both checks block: a failing "
    "one fails the request before rendering.",
    check_specs=[
        dg.AssetCheckSpec(
            "script_coverage",
            asset="video_scripts",
            partitions_def=request_partitions,
            description="Every video material used; at least 80% of materials used; no unknown ids.",
            blocking=True,
        ),
        dg.AssetCheckSpec(
            "script_duration",
            asset="video_scripts",
            partitions_def=request_partitions,
            description="Each script's planned duration is within bounds of the target.",
            blocking=True,
        ),
    ],
)
@records_every_exit(STAGE)
def video_scripts(
    context: dg.AssetExecutionContext, database: DatabaseResource, object_store: ObjectStoreResource, llm: LlmResource
) -> dg.MaterializeResult:
    request_id = begin_stage(context, database, STAGE)
    with database.session() as session:
        spec = load_spec(session, request_id)
    with stage_workdir(request_id, STAGE) as workdir:
        stage = StageContext(request_id, spec, database.url, object_store.store(), workdir)
        outcomes, briefs = write_scripts(stage, llm.client(), llm.backend)
    transient = [o for o in outcomes if o.transient]
    if transient:
        reasons = "; ".join(f"v{o.variant_index}: {o.error}" for o in transient)
        raise retry_or_fail(
            context, database, request_id, STAGE, f"{len(transient)} of {len(outcomes)} scripts failed: {reasons}"
        )
    written = [o for o in outcomes if o.script is not None]
    if not written:
        reasons = "; ".join(f"v{o.variant_index}: {o.error}" for o in outcomes)
        raise fail_stage(database, request_id, STAGE, f"no script could be written: {reasons}")
    problems = _check_problems(written, briefs, spec.target_duration)
    failed_checks = {name: found for name, found in problems.items() if found}
    if failed_checks:
        # The failed blocking checks then fail the step (not retried: the same scripts would fail again) and the run;
        # the request keeps the checks' problems as its reason instead of the run's generic failure message.
        reason = "; ".join(f"{name} failed: {'; '.join(found)}" for name, found in failed_checks.items())
        with database.session() as session:
            fail(session, request_id, STAGE, reason)
        context.log.error(f"request_id={request_id} stage={STAGE} {reason}")
    with database.session() as session:
        query = select(VideoScript).where(
            VideoScript.request_id == request_id,
            VideoScript.variant_index.in_([o.variant_index for o in written]),
        )
        rows = list(session.scalars(query.order_by(VideoScript.variant_index)))
    return dg.MaterializeResult(
        metadata={
            "request_id": request_id,
            **lineage_metadata(STAGE, request_id, spec.title),
            "variants_written": len(written),
            "variants_failed": dg.MetadataValue.json({o.variant_index: o.error for o in outcomes if o.error}),
            "backend": llm.backend,
            "coverage_percent": dg.MetadataValue.json(
                {o.variant_index: round((o.share_used or 0) * 100, 1) for o in written}
            ),
            "titles": dg.MetadataValue.json({o.variant_index: o.title for o in written}),
            "coverage": dg.MetadataValue.md(_coverage_table(rows)),
            "seo": dg.MetadataValue.md("\n\n".join(_seo_block(row) for row in rows)),
            "platforms": dg.MetadataValue.md(_platforms_table(rows)),
            "scenes": dg.MetadataValue.md("\n\n".join(_scene_table(row, request_pages(request_id)) for row in rows)),
        },
        check_results=[
            dg.AssetCheckResult(check_name=name, passed=not found, metadata={"problems": found})
            for name, found in problems.items()
        ],
    )


def _check_problems(
    written: list[VariantOutcome], briefs: list[MaterialBrief], target_seconds: float
) -> dict[str, list[str]]:
    """Each check's problems, one line per variant that breaks it; an empty list means the check passes."""
    problems: dict[str, list[str]] = {"script_coverage": [], "script_duration": []}
    for outcome in written:
        if outcome.script is None:
            continue
        report = check_coverage(outcome.script, briefs)
        if not report.ok:
            problems["script_coverage"].append(f"v{outcome.variant_index}: {report.reason()}")
        duration = duration_problem(outcome.script, target_seconds)
        if duration:
            problems["script_duration"].append(f"v{outcome.variant_index}: {duration}")
    return problems


def _coverage_table(rows: list[VideoScript]) -> str:
    table = []
    for row in rows:
        coverage = CoverageReport.model_validate(row.coverage)
        table.append(
            [
                f"v{row.variant_index}",
                row.style,
                f"{row.planned_duration:.1f}s",
                f"{coverage.share_used:.0%}",
                ", ".join(material_ref(i) for i in coverage.used_ids) or "-",
                ", ".join(material_ref(i) for i in coverage.unused_ids) or "-",
                ", ".join(material_ref(i) for i in coverage.video_ids_missing) or "-",
                "yes" if coverage.ok else f"no: {coverage.reason()}",
                row.prompt_version or "-",
            ]
        )
    return markdown_table(
        ["variant", "style", "planned", "share used", "used", "unused", "videos missing", "ok", "prompt"], table
    )


def _seo_block(row: VideoScript) -> str:
    """The chosen title is the first candidate no earlier variant took; the table marks which one that was."""
    if not row.seo:
        return f"**v{row.variant_index}**: no SEO metadata"
    seo = SeoMeta.model_validate(row.seo)
    titles = markdown_table(
        ["candidate", "title", "chosen"],
        [[n + 1, title, "chosen" if title == row.title else ""] for n, title in enumerate(seo.titles)],
    )
    return (
        f"**v{row.variant_index} ({escape(row.style)})** title: {escape(row.title)}\n\n{titles}\n\n"
        f"description: {escape(clip(seo.description, 600))}\n\ntags: {escape(', '.join(seo.tags))}"
    )


def _platforms_table(rows: list[VideoScript]) -> str:
    """Each variant's package per platform, with its measured lengths next to the platform's limits."""
    table = []
    for row in rows:
        for name, data in (row.platforms or {}).items():
            rules, package = PLATFORMS[name], PlatformPackage.model_validate(data)
            where = "in description" if rules.tags_in_description else "tag field"
            table.append(
                [
                    f"v{row.variant_index}",
                    f"{rules.label} ({name})",
                    package.title,
                    f"{len(package.title)}/{rules.title_max}",
                    f"{len(package.tags)}/{rules.max_tags} {where}",
                    f"{len(package.description)}/{rules.description_max}",
                    clip(package.description, 300),
                ]
            )
    return markdown_table(
        ["variant", "platform", "title", "title chars", "tags", "description chars", "description"], table
    )


def _scene_table(row: VideoScript, pages: PartitionPages) -> str:
    """Each scene's material #id links to the request's media_items page (its source file), and again to its
    media_analyses page (what the vision pass saw in it); `match` is how well that material fits the narration
    (0-1, video_assets/scripting/matching.py), '-' for scripts stored before it was recorded."""
    scenes = [Scene.model_validate(scene) for scene in row.scenes]
    table = [
        [
            n,
            material_link(pages, scene.material_id),
            material_link(pages, scene.material_id, "media_analyses"),
            f"{scene.in_point:.1f}-{scene.out_point:.1f}",
            f"{scene.planned_duration:.1f}s",
            "-" if scene.match_score is None else f"{scene.match_score:.2f}",
            scene.narration,
        ]
        for n, scene in enumerate(scenes)
    ]
    return f"**v{row.variant_index} ({escape(row.style)})** hook: {escape(row.hook)}\n\n" + markdown_table(
        ["scene", "material", "analysis", "in-out", "duration", "match", "narration"], table
    )
