"""video_scripts: `video_count` script variants with SEO metadata, checked for coverage and duration."""

import dagster as dg

from resources.database import DatabaseResource
from resources.llm import LlmResource
from video_assets.assets.common import NETWORK_RETRY, begin_stage, fail_stage
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.tables import markdown_table
from video_assets.db.repository import load_spec
from video_assets.partitions import request_partitions
from video_assets.scripting import Script, check_coverage, duration_problem
from video_assets.stages.scripting import write_scripts

STAGE = "video_scripts"


@dg.asset(
    partitions_def=request_partitions,
    deps=[media_analyses],
    pool="llm",
    retry_policy=NETWORK_RETRY,
    group_name="video",
    kinds={"python"},
    tags={"stage": STAGE},
    check_specs=[
        dg.AssetCheckSpec(
            "script_coverage",
            asset="video_scripts",
            partitions_def=request_partitions,
            description="Every video material used; at least 80% of materials used; no unknown ids.",
        ),
        dg.AssetCheckSpec(
            "script_duration",
            asset="video_scripts",
            partitions_def=request_partitions,
            description="Each script's planned duration is within bounds of the target.",
        ),
    ],
)
def video_scripts(
    context: dg.AssetExecutionContext, database: DatabaseResource, llm: LlmResource
) -> dg.MaterializeResult:
    request_id = begin_stage(context, database, STAGE)
    with database.session() as session:
        spec = load_spec(session, request_id)
    outcomes, briefs = write_scripts(request_id, spec, database.url, llm.client(), llm.backend)
    written = [o for o in outcomes if o.script is not None]
    if not written:
        reasons = "; ".join(f"v{o.variant_index}: {o.error}" for o in outcomes)
        raise fail_stage(database, request_id, STAGE, f"no script could be written: {reasons}")
    scripts = [o.script for o in written if o.script]
    reports = [check_coverage(script, briefs) for script in scripts]
    duration_problems = [problem for script in scripts if (problem := duration_problem(script, spec.target_duration))]
    return dg.MaterializeResult(
        metadata={
            "request_id": request_id,
            "variants_written": len(written),
            "variants_failed": dg.MetadataValue.json({o.variant_index: o.error for o in outcomes if o.error}),
            "backend": llm.backend,
            "coverage_percent": dg.MetadataValue.json(
                {o.variant_index: round((o.share_used or 0) * 100, 1) for o in written}
            ),
            "titles": dg.MetadataValue.json({o.variant_index: o.title for o in written}),
            "scenes": dg.MetadataValue.md(
                "\n\n".join(_scene_table(o.variant_index, o.style, o.script) for o in written if o.script)
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="script_coverage",
                passed=all(report.ok for report in reports),
                metadata={"problems": [report.reason() for report in reports if not report.ok]},
            ),
            dg.AssetCheckResult(
                check_name="script_duration",
                passed=not duration_problems,
                metadata={"problems": duration_problems},
            ),
        ],
    )


def _scene_table(index: int, style: str, script: Script) -> str:
    rows = [
        [
            n,
            scene.material_id,
            f"{scene.in_point:.1f}-{scene.out_point:.1f}",
            f"{scene.planned_duration:.1f}s",
            scene.narration,
        ]
        for n, scene in enumerate(script.scenes)
    ]
    return f"**v{index} ({style})** hook: {script.hook}\n\n" + markdown_table(
        ["#", "material", "in-out", "duration", "narration"], rows
    )
