"""Offline script writing: article sentences become narration, materials are matched by context, coverage holds.

The plan fits the target duration with the narration-rate estimate, keeps every video material and (when the
scene count allows) every material on screen, and is deterministic for a given (style, variant_index).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from video_assets.scripting.coverage import check_coverage, min_materials_to_use
from video_assets.scripting.duration import duration_bounds, duration_problem, estimate_narration_seconds
from video_assets.scripting.models import MaterialBrief, Scene, Script
from video_assets.scripting.offline_describe import article_position
from video_assets.scripting.points import fit_points
from video_assets.scripting.styles import StyleRules, hook_templates, style_rules
from video_assets.scripting.text import (
    bound_tokens,
    is_chinese,
    keywords,
    spec_density,
    split_clauses,
    split_sentences,
    terms,
)

MIN_SCENE_SECONDS = 1.5  # shorter shots flicker and leave no time to read a subtitle
SCENE_TAIL_SECONDS = 0.2  # a breath after each narration line
MAX_STRETCH = 1.5  # how far scenes may outlast their narration when the article is short
LABEL_MAX_CHARS = 12  # a line this short without end punctuation is a section header
LABEL_MAX_WORDS = 6


class PlanningError(Exception):
    """The offline planner cannot build a script that satisfies the rules; the message says why."""


@dataclass
class _Line:
    text: str
    position: float  # 0..1 in the article
    label: str = ""  # the section header that introduces this sentence
    rank: float = 0.0

    def narration(self, with_label: bool) -> str:
        if not (with_label and self.label):
            return self.text
        return f"{self.label}：{self.text}" if is_chinese(self.text) else f"{self.label}: {self.text}"


def plan_script(
    article_title: str,
    article_text: str,
    briefs: Sequence[MaterialBrief],
    style: str,
    language: str,
    target_seconds: float,
    variant_index: int,
) -> Script:
    if not briefs:
        raise PlanningError("no usable materials to plan a script with")
    article_title, article_text = bound_tokens(article_title), bound_tokens(article_text)
    rules = style_rules(style)
    rng = random.Random(f"{style}:{variant_index}")
    lines = _article_lines(article_text, article_title)
    if not lines:
        raise PlanningError("the article has no narratable sentences")
    chinese = is_chinese(article_text) if article_text else language.lower().startswith("zh")
    hook, quoted = _hook(article_title, lines, rules, variant_index, hook_templates(language, chinese), chinese)
    lines = [line for line in lines if line.text != quoted] or lines  # do not say the quoted sentence twice
    hook_seconds = estimate_narration_seconds(hook, language)
    _rank(lines, article_text, rules, rng, variant_index)
    budget = target_seconds * 0.95 - hook_seconds - SCENE_TAIL_SECONDS
    chosen = _select(lines, rules, budget, language)
    texts = [hook] + _pace(chosen, rules, language)
    texts = _split_until(texts, _scene_count_needed(briefs, target_seconds), language)
    if len(texts) < min_materials_to_use(briefs):
        raise PlanningError(
            f"a {target_seconds:.0f}s video cannot show {min_materials_to_use(briefs)} materials with enough narration;"
            " raise the target duration or send fewer materials"
        )
    positions = [0.0] + [_text_position(text, article_text) for text in texts[1:]]
    durations = _durations(texts, language, target_seconds)
    assignment = _assign(texts, positions, briefs, article_text, rules, rng)
    scenes = _scenes(texts, durations, assignment, briefs)
    script = Script(style=style, hook=hook, scenes=scenes)
    report = check_coverage(script, briefs)
    if not report.ok:
        raise PlanningError(f"offline plan breaks the coverage rule: {report.reason()}")
    return script


def script_problems(script: Script, briefs: Sequence[MaterialBrief], target_seconds: float) -> list[str]:
    """Everything wrong with a script against its inputs, as readable sentences (empty when valid)."""
    problems = [check_coverage(script, briefs).reason(), duration_problem(script, target_seconds)]
    return [problem for problem in problems if problem]


def _article_lines(plain: str, title: str) -> list[_Line]:
    sentences = split_sentences(plain)
    merged: list[tuple[str, str]] = []
    pending_label = ""
    for sentence in sentences:
        unpunctuated = not re.search(r"[。！？；.!?;]$", sentence)
        if unpunctuated and (sentence in title or title in sentence):
            continue  # the article's own H1 repeats the title
        few_words = not is_chinese(sentence) and len(sentence.split()) <= LABEL_MAX_WORDS
        short = len(sentence) <= LABEL_MAX_CHARS or few_words
        if unpunctuated and short:
            pending_label = sentence  # a section header introduces the next sentence instead of standing alone
            continue
        merged.append((sentence, pending_label))
        pending_label = ""
    if not merged:
        # Every line looked like a header: a list, or a language written without end punctuation (Thai).
        merged = [(sentence, "") for sentence in sentences if sentence not in title]
    total = max(1, len(merged) - 1)
    return [_Line(text=text, position=index / total, label=label) for index, (text, label) in enumerate(merged)]


def _topic(title: str, chinese: bool) -> str:
    head = re.split(r"[：:|｜—\-–(（]", title, maxsplit=1)[0].strip() or title.strip()
    limit = 16 if chinese else 40
    return head if len(head) <= limit else head[:limit]


def _hook(
    title: str,
    lines: list[_Line],
    rules: StyleRules,
    variant_index: int,
    hooks: dict[str, tuple[str, ...]],
    chinese: bool,
) -> tuple[str, str]:
    """The opening line and the article sentence it quotes ('' if none)."""
    templates = hooks["product_geek" if rules.name == "product_geek" else "default"]
    template = templates[(variant_index + rules.hook_offset) % len(templates)]
    quoted = ""
    if "{spec}" in template:
        quoted = max(lines, key=lambda line: (spec_density(line.text), -line.position)).text
    elif "{key}" in template:
        quoted = _conclusion_line(lines)
    excerpt = _first_clauses(quoted, 30 if chinese else 90) if quoted else ""
    return template.format(topic=_topic(title, chinese), spec=excerpt, key=excerpt), quoted


def _conclusion_line(lines: list[_Line]) -> str:
    cues = ("结论", "总结", "总的来说", "值得", "conclusion", "overall", "worth", "bottom line")
    for line in lines:
        if any(cue in line.text.lower() for cue in cues):
            return line.text
    return lines[-1].text


def _first_clauses(sentence: str, limit: int) -> str:
    """Leading clauses of `sentence` within `limit` characters, ending with a full stop."""
    sentence = re.sub(r"^[^：:]{1,12}[：:]", "", sentence).strip() or sentence  # drop a "section:" prefix
    text = ""
    for clause in split_clauses(sentence):
        if text and len(text) + len(clause) > limit:
            break
        text += clause
    text = (text[:limit] if len(text) > limit else text).strip()
    stop = "。" if is_chinese(text) else "."
    return re.sub(r"[，、：,:;；。.!！?？]+$", "", text) + (text[-1] if text[-1:] in "！？!?" else stop)


def _rank(lines: list[_Line], plain: str, rules: StyleRules, rng: random.Random, variant_index: int) -> None:
    """Centrality (overlap with the article's keywords) + early/late bonus + spec weight + a variant nudge."""
    top_terms = terms(" ".join(keywords(plain, limit=15)))
    for line in lines:
        overlap = len(terms(line.text) & top_terms) / max(1, len(top_terms)) * 5
        edge_bonus = 0.6 if line.position < 0.1 or line.position > 0.9 else 0.0
        # In article order, section openers walk the viewer through every part of the article.
        section_bonus = 1.0 if line.label and rules.order == "article" else 0.0
        nudge = rng.uniform(0.0, 0.8) if variant_index else 0.0
        line.rank = overlap + edge_bonus + section_bonus + rules.spec_weight * spec_density(line.text) + nudge


def _select(lines: list[_Line], rules: StyleRules, budget: float, language: str) -> list[str]:
    """Best-ranked sentences that fit the budget; a sentence too long for what is left is trimmed to its clauses."""
    with_label = rules.order == "article"
    chosen: list[_Line] = []
    used = 0.0
    for line in sorted(lines, key=lambda item: -item.rank):
        seconds = estimate_narration_seconds(line.narration(with_label), language) + SCENE_TAIL_SECONDS
        if used + seconds <= budget:
            chosen.append(line)
            used += seconds
            continue
        label_seconds = estimate_narration_seconds(line.label, language) if with_label else 0.0
        trimmed = _trim_to(line.text, budget - used - SCENE_TAIL_SECONDS - label_seconds, language)
        if trimmed:
            chosen.append(_Line(trimmed, line.position, line.label, line.rank))
            used += estimate_narration_seconds(trimmed, language) + label_seconds + SCENE_TAIL_SECONDS
    if rules.order == "article":
        chosen.sort(key=lambda line: line.position)
    return [line.narration(with_label) for line in chosen]


def _trim_to(sentence: str, seconds: float, language: str) -> str:
    if seconds < MIN_SCENE_SECONDS:
        return ""
    text = ""
    for clause in split_clauses(sentence):
        if estimate_narration_seconds(text + clause, language) > seconds:
            break
        text += clause
    text = text.strip()
    if len(text) < max(8, len(sentence) * 0.4):
        return ""  # a short leftover fragment says nothing on its own
    return re.sub(r"[，、：,:]+$", "", text) + ("。" if is_chinese(text) else ".")


def _pace(texts: list[str], rules: StyleRules, language: str) -> list[str]:
    """Cut narration into scenes no longer than the style's pace, at clause boundaries."""
    paced: list[str] = []
    for text in texts:
        if estimate_narration_seconds(text, language) <= rules.max_scene_seconds:
            paced.append(text)
            continue
        current = ""
        for clause in _clauses_keeping_label(text):
            if current and estimate_narration_seconds(current + clause, language) > rules.max_scene_seconds:
                paced.append(current.strip())
                current = ""
            current += clause
        if current.strip():
            paced.append(current.strip())
    return [piece for text in paced for piece in _halved_to_fit(text, rules.max_scene_seconds, language)]


def _halved_to_fit(text: str, seconds: float, language: str) -> list[str]:
    """A clause still too long for one scene (a sentence without commas, Thai without punctuation) is cut in
    halves, at the space nearest the middle where there is one, until each half fits."""
    if estimate_narration_seconds(text, language) <= seconds:
        return [text]
    halves = [half for half in _halves(text) if half]
    if len(halves) < 2:
        return [text]
    return [piece for half in halves for piece in _halved_to_fit(half, seconds, language)]


def _clauses_keeping_label(text: str) -> list[str]:
    clauses = split_clauses(text)
    if len(clauses) > 1 and len(clauses[0]) <= LABEL_MAX_CHARS + 1 and clauses[0].rstrip()[-1] in "：:":
        clauses[:2] = [clauses[0] + clauses[1]]
    return clauses


def _scene_count_needed(briefs: Sequence[MaterialBrief], target_seconds: float) -> int:
    """Show every material when the duration allows MIN_SCENE_SECONDS each, else the coverage minimum."""
    affordable = int(duration_bounds(target_seconds)[1] // MIN_SCENE_SECONDS)
    return max(min_materials_to_use(briefs), min(len(briefs), affordable))


def _split_until(texts: list[str], needed: int, language: str) -> list[str]:
    """Split the longest scenes (at a clause, else mid-text) until there are enough scenes for the materials. The
    hook stays whole in the first scene unless no other scene is long enough to split (a short target, where the
    hook takes most of the time)."""
    texts = list(texts)
    while len(texts) < needed:
        seconds = [estimate_narration_seconds(text, language) for text in texts]
        splittable = [i for i in range(len(texts)) if seconds[i] >= 2 * MIN_SCENE_SECONDS]
        if not splittable:
            break
        index = max(splittable, key=lambda i: (i > 0, seconds[i]))
        texts[index : index + 1] = _halves(texts[index])
    return texts


def _halves(text: str) -> list[str]:
    clauses = _clauses_keeping_label(text)
    if len(clauses) > 1:
        middle, best = 1, len(text)
        for cut in range(1, len(clauses)):
            imbalance = abs(len("".join(clauses[:cut])) - len(text) / 2)
            if imbalance < best:
                middle, best = cut, imbalance
        return ["".join(clauses[:middle]).strip(), "".join(clauses[middle:]).strip()]
    spaces = [m.start() for m in re.finditer(r"\s", text)]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2)) if spaces else len(text) // 2
    return [text[:cut].strip(), text[cut:].strip()]


def _text_position(text: str, plain: str) -> float:
    index = plain.find(text[:12])
    return 0.5 if index < 0 else index / max(1, len(plain))


def _durations(texts: list[str], language: str, target_seconds: float) -> list[float]:
    durations = [
        max(MIN_SCENE_SECONDS, estimate_narration_seconds(text, language) + SCENE_TAIL_SECONDS) for text in texts
    ]
    low = duration_bounds(target_seconds)[0]
    total = sum(durations)
    if total < low:
        stretch = min(MAX_STRETCH, (low + target_seconds) / 2 / total)
        durations = [value * stretch for value in durations]
    return [round(value, 2) for value in durations]


def _assign(
    texts: list[str],
    positions: list[float],
    briefs: Sequence[MaterialBrief],
    plain: str,
    rules: StyleRules,
    rng: random.Random,
) -> list[int]:
    """Material index per scene: each chosen material once (greedy on match score), then best matches reused."""
    material_terms = [_material_terms(brief) for brief in briefs]
    material_positions = [_material_position(brief, index, len(briefs), plain) for index, brief in enumerate(briefs)]
    noise = [[rng.uniform(0.0, 0.15) for _ in briefs] for _ in texts]

    def score(scene: int, material: int) -> float:
        overlap = len(terms(texts[scene]) & material_terms[material]) / (1 + len(terms(texts[scene])) ** 0.5)
        value = overlap + noise[scene][material]
        if rules.order == "article":
            value -= 1.5 * abs(positions[scene] - material_positions[material])
        if scene == 0:
            value += _opening_bonus(briefs[material], rules)
        return value

    placed = _materials_to_place(briefs, len(texts))
    assignment: dict[int, int] = {}
    pairs = sorted(((score(s, m), s, m) for s in range(len(texts)) for m in placed), reverse=True)
    free_materials = set(placed)
    for _, scene, material in pairs:
        if scene not in assignment and material in free_materials:
            assignment[scene] = material
            free_materials.discard(material)
    for scene in range(len(texts)):
        if scene in assignment:
            continue
        neighbours = {assignment.get(scene - 1), assignment.get(scene + 1)}
        candidates = [m for m in range(len(briefs)) if m not in neighbours] or list(range(len(briefs)))
        assignment[scene] = max(candidates, key=lambda m: score(scene, m))
    return [assignment[scene] for scene in range(len(texts))]


def _materials_to_place(briefs: Sequence[MaterialBrief], scene_count: int) -> list[int]:
    """All materials if there are scenes enough; otherwise every video plus the best-quality images."""
    if scene_count >= len(briefs):
        return list(range(len(briefs)))
    videos = [i for i, brief in enumerate(briefs) if brief.kind == "video"]
    images = sorted((i for i, brief in enumerate(briefs) if brief.kind == "image"), key=lambda i: -_quality(briefs[i]))
    return videos + images[: max(0, scene_count - len(videos))]


def _opening_bonus(brief: MaterialBrief, rules: StyleRules) -> float:
    role = brief.analysis.narrative_role if brief.analysis else None
    if rules.name == "product_geek":
        return 2.0 if role == "product_showcase" else 1.0 if brief.kind == "video" else 0.0
    return 1.0 if role in ("opening_hook", "highlight") else 0.5 * _quality(brief)


def _quality(brief: MaterialBrief) -> float:
    return brief.analysis.quality_score if brief.analysis else 0.5


def _material_terms(brief: MaterialBrief) -> set[str]:
    parts = [brief.context, brief.description or ""]
    if brief.analysis:
        parts += [brief.analysis.theme, brief.analysis.description, brief.analysis.ocr_text, *brief.analysis.keywords]
    return terms(" ".join(parts))


def _material_position(brief: MaterialBrief, index: int, count: int, plain: str) -> float:
    found = article_position(brief.context, plain)
    return found if found is not None else index / max(1, count - 1)


def _scenes(
    texts: list[str], durations: list[float], assignment: list[int], briefs: Sequence[MaterialBrief]
) -> list[Scene]:
    uses: dict[int, int] = {}
    scenes: list[Scene] = []
    for text, planned, material in zip(texts, durations, assignment, strict=True):
        brief = briefs[material]
        in_point, out_point = fit_points(brief, planned, uses.get(material, 0))
        uses[material] = uses.get(material, 0) + 1
        scenes.append(
            Scene(
                narration=text, material_id=brief.id, in_point=in_point, out_point=out_point, planned_duration=planned
            )
        )
    return scenes
