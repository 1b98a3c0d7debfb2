"""Whether the scripts can show a request's materials within its target duration, judged at submit from what the
request itself says (how many materials, the article) with the same rules video_scripts applies later."""

from __future__ import annotations

from video_assets.media import Article, gather_materials
from video_assets.render.timeline import MIN_SCENE_SECONDS as RENDER_MIN_SCENE_SECONDS
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting import MaterialBrief, PlanningError, plan_script
from video_assets.scripting.coverage import min_materials_to_use
from video_assets.scripting.duration import duration_bounds


def declared_material_count(spec: VideoRequestSpec, article: Article) -> int:
    """The request's materials and the media its Markdown embeds, each counted once, as ingestion gathers them."""
    return len(gather_materials(spec.materials, article).accepted)


def placeholder_briefs(count: int, canvas: tuple[int, int]) -> list[MaterialBrief]:
    """The materials as known before any is fetched. Their kind is sniffed at ingestion, so each one counts as an
    image: the kind the coverage rule asks least of (every video must be shown), so no request that could be
    scripted is refused."""
    width, height = canvas
    return [MaterialBrief(id=index + 1, kind="image", width=width, height=height) for index in range(count)]


def scene_budget_problems(spec: VideoRequestSpec, article: Article, offline_planner: bool) -> list[str]:
    """`field: reason` for each way the scripts cannot show enough of the materials in `target_duration`.

    With the offline planner, its own planning runs (it is deterministic and needs only the article, the number of
    materials and the style), so the refusal is exactly the failure video_scripts would meet. A language model plans
    differently; only the floor it cannot go below is checked: each material the coverage rule asks for on screen
    for the render's shortest scene."""
    count = declared_material_count(spec, article)
    if count == 0:
        return ["materials: none given and the Markdown embeds no image or video; a video needs at least one"]
    briefs = placeholder_briefs(count, spec.canvas_size)
    if offline_planner:
        return _offline_plan_problems(spec, article, briefs)
    needed = min_materials_to_use(briefs)
    longest = duration_bounds(spec.target_duration)[1]
    if needed * RENDER_MIN_SCENE_SECONDS <= longest:
        return []
    return [
        f"target_duration: a {spec.target_duration:.0f}s video (at most {longest:.1f}s) cannot show {needed} of the"
        f" {count} materials for {RENDER_MIN_SCENE_SECONDS:.1f}s each; raise the target duration or send fewer"
        " materials"
    ]


def _offline_plan_problems(spec: VideoRequestSpec, article: Article, briefs: list[MaterialBrief]) -> list[str]:
    """One problem per distinct reason, naming the variants it stops."""
    failed: dict[str, list[str]] = {}
    for index in range(spec.video_count):
        style = spec.style_for_variant(index)
        try:
            plan_script(spec.title, article.text, briefs, style, spec.language, spec.target_duration, index)
        except PlanningError as error:
            failed.setdefault(str(error), []).append(f"v{index} ({style})")
    return [f"target_duration: {reason} [{', '.join(variants)}]" for reason, variants in failed.items()]
