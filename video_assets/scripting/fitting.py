"""Rules a script must keep to be one an editor would sign off, shared by the offline planner and the model path:
scenes end between words, and a clip is never on screen longer than it lasts.

A clip shorter than its scene may be slowed down, but only as far as motion still looks natural: 1.25x (a 4 s clip
carries a 5 s scene). Past that it would have to loop, and a loop shows: a burnt-in clock restarts, a walker jumps
back. So the planner splits the scene or gives the line to another material instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from video_assets.scripting.models import MaterialBrief, Scene, Script
from video_assets.scripting.word_cuts import rejoin_at_word, word_cut_at

NATURAL_SLOWDOWN = 1.25
MIN_SCENE_SECONDS = 1.5  # shorter shots flicker and leave no time to read a subtitle


def longest_show(brief: MaterialBrief) -> float | None:
    """The longest a material may stay on screen: a clip's length slowed naturally; None for a picture."""
    if brief.kind == "image" or not brief.duration:
        return None
    return brief.duration * NATURAL_SLOWDOWN


def carries_no_scene(brief: MaterialBrief) -> bool:
    """A clip too short for even the shortest scene, slowed: wherever it goes, the renderer must stretch it (and
    holds it as a still below half a second), so it is exempt from the length rule rather than never shown."""
    limit = longest_show(brief)
    return limit is not None and limit < MIN_SCENE_SECONDS


def whole_words(script: Script) -> tuple[Script, list[str]]:
    """Every boundary between two scenes moved out of the word it cuts; the problems that cannot be moved (one of
    the two scenes would be left without narration), as sentences for whoever wrote the script."""
    narrations = [scene.narration for scene in script.scenes]
    problems: list[str] = []
    for index in range(len(narrations) - 1):
        word = word_cut_at(narrations[index], narrations[index + 1])
        if word is None:
            continue
        left, right = rejoin_at_word(narrations[index], narrations[index + 1])
        if not (left and right):
            problems.append(
                f"scenes {index} and {index + 1} cut the word '{word}' in two; end every scene's narration between"
                " words"
            )
            continue
        narrations[index], narrations[index + 1] = left, right
    scenes = [
        scene.model_copy(update={"narration": narration})
        for scene, narration in zip(script.scenes, narrations, strict=True)
    ]
    hook = narrations[0] if script.scenes[0].narration == script.hook else script.hook
    return script.model_copy(update={"scenes": scenes, "hook": hook}), problems


def clips_within_length(script: Script, briefs: Sequence[MaterialBrief]) -> tuple[Script, list[str]]:
    """Each clip's window widened inside the clip when its scene needs more than the window gives; the scenes that
    no window of their clip can carry without looping, as sentences saying what to change."""
    by_id = {brief.id: brief for brief in briefs}
    scenes: list[Scene] = []
    problems: list[str] = []
    for index, scene in enumerate(script.scenes):
        brief = by_id.get(scene.material_id)
        limit = longest_show(brief) if brief else None
        if brief is None or limit is None or brief.duration is None or carries_no_scene(brief):
            scenes.append(scene)
            continue
        if scene.planned_duration > limit:
            problems.append(
                f"scene {index} shows clip {brief.id} ({brief.duration:.1f}s) for {scene.planned_duration:.1f}s; a"
                f" clip may be slowed to at most {NATURAL_SLOWDOWN}x, never looped: split the scene or give part of"
                " its narration to another material"
            )
        scenes.append(_widened(scene, brief.duration))
    return script.model_copy(update={"scenes": scenes}), problems


def _widened(scene: Scene, duration: float) -> Scene:
    window = scene.out_point - scene.in_point
    if scene.planned_duration <= window * NATURAL_SLOWDOWN:
        return scene
    length = min(scene.planned_duration, duration)
    in_point = max(0.0, min(scene.in_point, duration - length))
    return scene.model_copy(update={"in_point": round(in_point, 3), "out_point": round(in_point + length, 3)})
