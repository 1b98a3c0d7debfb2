"""How well a material fits a line of narration: the line's words found in what is known about the material.

Words come from a real segmenter (jieba's search mode, which also yields the dictionary words inside a long one:
空间站 gives 空间 and 空间站), never from character n-grams, so 杯咖 or 心屏幕 can never match anything. Each word
counts by jieba's IDF table (a rare word such as 橘猫 says more than 一个), and by where it was found: the user's
own description of a material is the surest evidence, the article text around it the weakest.
"""

from __future__ import annotations

from collections.abc import Sequence

from video_assets.scripting.models import MaterialBrief, Script
from video_assets.scripting.text import terms
from video_assets.tts.words import idf_table

# Where a word was found about a material, and how much that finding is worth.
SOURCE_WEIGHTS = {"description": 1.0, "ocr": 0.9, "keywords": 0.8, "theme": 0.8, "analysis": 0.6, "context": 0.5}


def idf(word: str) -> float:
    table, median = idf_table()
    return table.get(word, median)


def material_words(brief: MaterialBrief) -> dict[str, float]:
    """Every content word known about a material, with the weight of the best source it was found in."""
    sources = {"description": brief.description or "", "context": brief.context}
    if brief.analysis:
        sources |= {
            "ocr": brief.analysis.ocr_text,
            "keywords": " ".join(brief.analysis.keywords),
            "theme": brief.analysis.theme,
            "analysis": brief.analysis.description,
        }
    weights: dict[str, float] = {}
    for source, text in sources.items():
        for word in terms(text):
            weights[word] = max(weights.get(word, 0.0), SOURCE_WEIGHTS[source])
    return weights


def match_score(narration: str, known: dict[str, float]) -> float:
    """0 (nothing in common) to 1 (every meaningful word of the line is in the material's own description)."""
    words = terms(narration)
    total = sum(idf(word) for word in words)
    if not total:
        return 0.0
    return round(sum(idf(word) * known.get(word, 0.0) for word in words) / total, 3)


def scored(script: Script, briefs: Sequence[MaterialBrief]) -> Script:
    """The script with each scene's match score recorded (scenes whose material is unknown keep none)."""
    known = {brief.id: material_words(brief) for brief in briefs}
    scenes = [
        scene.model_copy(
            update={"match_score": match_score(scene.narration, known[scene.material_id])}
            if scene.material_id in known
            else {}
        )
        for scene in script.scenes
    ]
    return script.model_copy(update={"scenes": scenes})
