"""Offline script writing: article sentences become narration, materials are matched by context, coverage holds.

The plan fits the target duration with the narration-rate estimate, keeps every video material and (when the
scene count allows) every material on screen, and is deterministic for a given (style, variant_index).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from video_assets.scripting.coverage import check_coverage, min_materials_to_use
from video_assets.scripting.duration import duration_bounds, duration_problem, estimate_narration_seconds
from video_assets.scripting.fitting import MIN_SCENE_SECONDS, carries_no_scene, longest_show
from video_assets.scripting.matching import match_score, material_words, scored
from video_assets.scripting.models import MaterialBrief, Scene, Script
from video_assets.scripting.offline_describe import article_position
from video_assets.scripting.points import fit_points
from video_assets.scripting.styles import StyleRules, fitted_to, hook_templates, style_rules
from video_assets.scripting.text import (
    bound_tokens,
    is_chinese,
    keywords,
    spec_density,
    split_clauses,
    split_sentences,
    terms,
)
from video_assets.scripting.word_cuts import cut_near, head_within

# Match scores run 0-1; the article-order prior and the per-variant noise only break near ties.
ORDER_PRIOR = 0.25
NOISE = 0.05
REPEAT_MARGIN = 0.3  # how much better a neighbour's picture must fit before a scene shows it again
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
    rng = random.Random(f"{style}:{variant_index}")
    lines = _article_lines(article_text, article_title)
    if not lines:
        raise PlanningError("the article has no narratable sentences")
    rules = fitted_to(style_rules(style), [line.text for line in lines])
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
    matcher = _Matcher(briefs, article_text, rules, rng)
    texts, durations, assignment = _fit_materials(texts, matcher, language, target_seconds)
    scenes = _scenes(texts, durations, assignment, briefs)
    script = scored(Script(style=style, hook=hook, scenes=scenes), briefs)
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
    return head_within(head, limit)


def _hook(
    title: str,
    lines: list[_Line],
    rules: StyleRules,
    variant_index: int,
    hooks: dict[str, tuple[str, ...]],
    chinese: bool,
) -> tuple[str, str]:
    """The opening line and the article sentence it quotes ('' if none)."""
    templates = hooks[rules.hooks]
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
    text = head_within(text, limit).strip()
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
    halves, at the word boundary nearest the middle, until each half fits."""
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
    """Split scenes until there are enough for the materials: a scene of several clauses first (cut between
    clauses), the longest first; only when no scene has two clauses left is one cut inside a clause, between words.
    The hook stays whole in the first scene unless no other scene is long enough to split (a short target, where
    the hook takes most of the time)."""
    texts = list(texts)
    while len(texts) < needed:
        index = _scene_to_split(texts, language)
        if index is None:
            break
        texts[index : index + 1] = _halves(texts[index])
    return texts


def _scene_to_split(texts: list[str], language: str, min_seconds: float = 2 * MIN_SCENE_SECONDS) -> int | None:
    seconds = [estimate_narration_seconds(text, language) for text in texts]
    splittable = [i for i in range(len(texts)) if seconds[i] >= min_seconds and len(_halves(texts[i])) > 1]
    if not splittable:
        return None
    return max(splittable, key=lambda i: (i > 0, len(_clauses_keeping_label(texts[i])) > 1, seconds[i]))


def _halves(text: str) -> list[str]:
    clauses = _clauses_keeping_label(text)
    if len(clauses) > 1:
        middle, best = 1, len(text)
        for cut in range(1, len(clauses)):
            imbalance = abs(len("".join(clauses[:cut])) - len(text) / 2)
            if imbalance < best:
                middle, best = cut, imbalance
        return ["".join(clauses[:middle]).strip(), "".join(clauses[middle:]).strip()]
    cut = cut_near(text, len(text) / 2)  # between words (jieba's for Chinese), never inside one
    return [text] if cut is None else [text[:cut].strip(), text[cut:].strip()]


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


def _fit_materials(
    texts: list[str], matcher: _Matcher, language: str, target_seconds: float
) -> tuple[list[str], list[float], list[int]]:
    """Texts, durations and the material of every scene. When a clip that must be shown has no scene short enough
    for it (it would loop), a long scene is split, between clauses where it has several, and the line shared with
    another material; then everything is assigned again."""
    texts = list(texts)
    while True:
        durations = _durations(texts, language, target_seconds)
        assignment, too_long = matcher.assign(texts, durations)
        if too_long is None:
            return texts, durations, assignment
        index = _scene_to_split(texts, language, min_seconds=MIN_SCENE_SECONDS)
        if index is None:
            raise PlanningError(
                f"material {matcher.briefs[too_long].id} is a {matcher.briefs[too_long].duration or 0:.1f}s clip and"
                " no scene can be cut short enough to show it without looping; send a longer clip or fewer materials"
            )
        texts[index : index + 1] = _halves(texts[index])


class _Matcher:
    """Chooses each scene's material by how well it fits the scene's narration (matching.py); coverage is the
    constraint that every material to place appears once, article order a light prior, and a clip only goes under
    a scene it can carry without looping."""

    def __init__(self, briefs: Sequence[MaterialBrief], plain: str, rules: StyleRules, rng: random.Random) -> None:
        self.briefs = briefs
        self.plain = plain
        self.rules = rules
        self.rng = rng
        self.words = [material_words(brief) for brief in briefs]
        self.positions = [_material_position(brief, i, len(briefs), plain) for i, brief in enumerate(briefs)]

    def assign(self, texts: list[str], durations: list[float]) -> tuple[list[int], int | None]:
        """Material index per scene, or the index of a material no scene can carry (then the list is partial)."""
        score = self._scorer(texts)

        def fits(scene: int, material: int) -> bool:
            limit = longest_show(self.briefs[material])
            return limit is None or durations[scene] <= limit or carries_no_scene(self.briefs[material])

        placed = _materials_to_place(self.briefs, len(texts))
        assignment: dict[int, int] = {}
        pairs = sorted(((score(s, m), s, m) for s in range(len(texts)) for m in placed if fits(s, m)), reverse=True)
        free_materials = set(placed)
        for _, scene, material in pairs:
            if scene not in assignment and material in free_materials:
                assignment[scene] = material
                free_materials.discard(material)
        if free_materials:
            return [], min(free_materials)
        for scene in range(len(texts)):
            if scene in assignment:
                continue
            fitting = [m for m in range(len(self.briefs)) if fits(scene, m)]
            if not fitting:
                return [], max(range(len(self.briefs)), key=lambda m: longest_show(self.briefs[m]) or 0.0)
            neighbours = {assignment.get(scene - 1), assignment.get(scene + 1)}
            assignment[scene] = self._fill(scene, fitting, neighbours, score)
        return [assignment[scene] for scene in range(len(texts))], None

    @staticmethod
    def _fill(scene: int, fitting: list[int], neighbours: set[int | None], score: Callable[[int, int], float]) -> int:
        """A scene beyond the one-each placement takes its best match, but not its neighbour's picture again
        unless that fits far better: the rest of a sentence cut in two stays on its picture rather than move to a
        wrong one."""
        best = max(fitting, key=lambda m: score(scene, m))
        others = [m for m in fitting if m not in neighbours]
        if best not in neighbours or not others:
            return best
        other = max(others, key=lambda m: score(scene, m))
        return best if score(scene, best) >= score(scene, other) + REPEAT_MARGIN else other

    def _scorer(self, texts: list[str]) -> Callable[[int, int], float]:
        positions = [0.0] + [_text_position(text, self.plain) for text in texts[1:]]
        matches = [[match_score(text, words) for words in self.words] for text in texts]
        noise = [[self.rng.uniform(0.0, NOISE) for _ in self.briefs] for _ in texts]

        def score(scene: int, material: int) -> float:
            value = matches[scene][material] + noise[scene][material]
            if self.rules.order == "article":
                value -= ORDER_PRIOR * abs(positions[scene] - self.positions[material])
            if scene == 0:
                value += _opening_bonus(self.briefs[material], self.rules)
            return value

        return score


def _materials_to_place(briefs: Sequence[MaterialBrief], scene_count: int) -> list[int]:
    """All materials if there are scenes enough; otherwise every video plus the best-quality images."""
    if scene_count >= len(briefs):
        return list(range(len(briefs)))
    videos = [i for i, brief in enumerate(briefs) if brief.kind == "video"]
    images = sorted((i for i, brief in enumerate(briefs) if brief.kind == "image"), key=lambda i: -_quality(briefs[i]))
    return videos + images[: max(0, scene_count - len(videos))]


def _opening_bonus(brief: MaterialBrief, rules: StyleRules) -> float:
    """The hook says little of its own, so the opening shot leans on the material's role and quality."""
    role = brief.analysis.narrative_role if brief.analysis else None
    if rules.name == "product_geek":
        return 0.4 if role == "product_showcase" else 0.2 if brief.kind == "video" else 0.0
    return 0.2 if role in ("opening_hook", "highlight") else 0.1 * _quality(brief)


def _quality(brief: MaterialBrief) -> float:
    return brief.analysis.quality_score if brief.analysis else 0.5


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
