"""video_scripts: N script variants in their own styles, each checked for coverage and followed by an SEO pass."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from video_assets.db.engine import session_scope
from video_assets.db.models import VideoScript
from video_assets.db.repository import append_event
from video_assets.db.upsert import upsert
from video_assets.llm import LlmBackend
from video_assets.prompts import SEO_PROMPT, WRITE_SCRIPT_PROMPT
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting import MaterialBrief, Script, check_coverage, total_duration
from video_assets.stages.article import stored_article
from video_assets.stages.context import StageContext
from video_assets.stages.materials import briefs_for_request
from video_assets.transient import is_transient


@dataclass(frozen=True)
class VariantOutcome:
    variant_index: int
    style: str
    script: Script | None
    title: str | None
    share_used: float | None
    error: str | None
    transient: bool = False  # the error may clear up by the next attempt (LLM 5xx/429, timeouts)


# Analysis keywords are many and overlap; the most shared ones say what the video shows.
MAX_ANALYSIS_TAGS = 3


def seed_tags(request_tags: Sequence[str], briefs: Sequence[MaterialBrief]) -> list[str]:
    """The request's own tags (a feed entry's categories), then the keywords most materials' analyses share."""
    counts = Counter(word for brief in briefs if brief.analysis for word in dict.fromkeys(brief.analysis.keywords))
    shared = [word for word, _ in counts.most_common(MAX_ANALYSIS_TAGS)]
    return list(dict.fromkeys([*request_tags, *shared]))


def write_scripts(
    stage: StageContext, backend: LlmBackend, backend_name: str
) -> tuple[list[VariantOutcome], list[MaterialBrief]]:
    request_id, spec, database_url = stage.request_id, stage.spec, stage.database_url
    with session_scope(database_url) as session:
        briefs = briefs_for_request(session, request_id)
    article_text = stored_article(stage.store, request_id, spec.markdown).text
    outcomes: list[VariantOutcome] = []
    for index in range(spec.video_count):
        taken = {outcome.title for outcome in outcomes if outcome.title}
        outcomes.append(
            _write_variant(request_id, spec, article_text, database_url, backend, backend_name, briefs, index, taken)
        )
    return outcomes, briefs


def _write_variant(
    request_id: str,
    spec: VideoRequestSpec,
    article_text: str,
    database_url: str,
    backend: LlmBackend,
    backend_name: str,
    briefs: list[MaterialBrief],
    index: int,
    taken_titles: set[str],
) -> VariantOutcome:
    """The chosen title is the first SEO candidate no earlier variant of this request already uses. A failure is
    recorded as an event and returned, never raised, so the other variants are still written."""
    style = spec.style_for_variant(index)
    inputs = _inputs_digest(spec, article_text, briefs, style, index, backend_name, taken_titles)
    kept = _kept_script(database_url, request_id, index, inputs)
    if kept is not None:
        return kept
    try:
        script, script_version = backend.write_script(
            spec.title, article_text, briefs, style, spec.language, spec.target_duration, index
        )
        seo, seo_version = backend.write_seo(
            script, spec.title, spec.language, spec.platforms, seed_tags(spec.tags, briefs)
        )
    except Exception as error:  # noqa: BLE001 - a failed variant is recorded; the other variants carry on
        reason = f"{type(error).__name__}: {error}"
        transient = is_transient(error)
        with session_scope(database_url) as session:
            append_event(
                session,
                request_id,
                "variant_failed",
                f"script v{index} ({style}): {reason}",
                "video_scripts",
                data={"transient": transient},
            )
        return VariantOutcome(index, style, None, None, None, reason, transient)
    coverage = check_coverage(script, briefs)
    title = next((candidate for candidate in seo.titles if candidate not in taken_titles), seo.titles[0])
    with session_scope(database_url) as session:
        upsert(
            session,
            VideoScript,
            {"request_id": request_id, "variant_index": index},
            {
                "style": style,
                "hook": script.hook,
                "scenes": [scene.model_dump(mode="json") for scene in script.scenes],
                "planned_duration": total_duration(script),
                "coverage": coverage.model_dump(mode="json"),
                "title": title,
                "seo": seo.model_dump(mode="json", exclude={"platforms"}),
                "platforms": {name: package.model_dump(mode="json") for name, package in seo.platforms.items()},
                "backend": backend_name,
                "prompt_version": f"{script_version}+{seo_version}",
                "inputs_digest": inputs,
            },
        )
    return VariantOutcome(index, style, script, title, coverage.share_used, None)


def _inputs_digest(
    spec: VideoRequestSpec,
    article_text: str,
    briefs: Sequence[MaterialBrief],
    style: str,
    index: int,
    backend_name: str,
    taken_titles: set[str],
) -> str:
    """Everything a variant's script is written from, and nothing about when: equal digests, equal inputs."""
    inputs = {
        "title": spec.title,
        "article": article_text,
        "language": spec.language,
        "target_duration": spec.target_duration,
        "platforms": list(spec.platforms),
        "tags": list(spec.tags),
        "style": style,
        "variant": index,
        "briefs": [brief.model_dump(mode="json") for brief in briefs],
        "backend": backend_name,
        "prompts": [WRITE_SCRIPT_PROMPT, SEO_PROMPT],
        "taken_titles": sorted(taken_titles),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _kept_script(database_url: str, request_id: str, index: int, inputs: str) -> VariantOutcome | None:
    """The variant's stored script when it was written from the same inputs: a re-run (CLI run or retry, a UI
    re-execution, a backfill) neither pays the LLM again nor changes what the video is made from."""
    with session_scope(database_url) as session:
        row = session.scalars(
            select(VideoScript).filter_by(request_id=request_id, variant_index=index, inputs_digest=inputs)
        ).one_or_none()
        if row is None:
            return None
        script = Script(style=row.style, hook=row.hook, scenes=row.scenes)
        share_used = (row.coverage or {}).get("share_used")
        return VariantOutcome(index, row.style, script, row.title, share_used, None)
