"""The planner's input (MaterialBrief) and outputs (Script, SeoMeta), shared by the offline planner and LLM backends."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from video_assets.vision import CvFeatures

NarrativeRole = Literal[
    "opening_hook",
    "evidence",
    "b_roll",
    "product_showcase",
    "explanation",
    "highlight",
    "conclusion",
]
NARRATIVE_ROLES: tuple[str, ...] = NarrativeRole.__args__  # type: ignore[attr-defined]
MaterialKind = Literal["image", "video"]
MAX_TITLE_CHARS = 100  # YouTube Shorts' hard limit; the strictest per-platform limits live in seo titles' docs


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class MaterialAnalysis(_Model):
    """What a vision model (or the offline planner) says about one material."""

    theme: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=2000)
    ocr_text: str = Field(default="", max_length=2000)
    narrative_role: NarrativeRole
    keywords: list[str] = Field(default_factory=list, max_length=20)
    quality_score: float = Field(ge=0.0, le=1.0)

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, keywords: list[str]) -> list[str]:
        return list(dict.fromkeys(word.strip() for word in keywords if word.strip()))


class MaterialBrief(_Model):
    """Everything the planner may know about one usable material; `id` is the media_items row id."""

    id: int
    kind: MaterialKind
    duration: float | None = Field(default=None, ge=0.0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    context: str = Field(default="", description="article text around the material")
    description: str | None = Field(default=None, description="given by the user with the request")
    analysis: MaterialAnalysis | None = None
    cv: CvFeatures | None = None


class Scene(_Model):
    """One narrated shot: `material_id` shown from `in_point` to `out_point` seconds (images: 0..planned)."""

    narration: str = Field(min_length=1, max_length=1000)
    material_id: int
    in_point: float = Field(ge=0.0)
    out_point: float = Field(gt=0.0)
    planned_duration: float = Field(gt=0.0, le=120.0)
    # How well the material fits the narration, 0-1 (video_assets/scripting/matching.py); set by us, never trusted
    # from a model, and None in scripts stored before it was recorded.
    match_score: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered_points(self) -> Scene:
        if self.out_point <= self.in_point:
            raise ValueError(f"out_point {self.out_point} must be after in_point {self.in_point}")
        return self


class Script(_Model):
    """A video plan. `hook` is the opening line; the first scene narrates it so the viewer hears it."""

    style: str = Field(min_length=1, max_length=40)
    hook: str = Field(min_length=1, max_length=300)
    scenes: list[Scene] = Field(min_length=1, max_length=200)


class PlatformPackage(_Model):
    """What is uploaded to one platform; the description already carries the hashtags where the platform wants them
    (video_assets/scripting/platforms.py)."""

    title: str = Field(min_length=1)
    description: str
    tags: list[str]


class SeoMeta(_Model):
    """Three title candidates (short, medium, long), a description and 5-10 tags without '#', and the package for
    each target platform."""

    titles: list[str] = Field(min_length=3, max_length=3)
    description: str = Field(min_length=1, max_length=2000)
    tags: list[str] = Field(min_length=5, max_length=10)
    platforms: dict[str, PlatformPackage] = Field(default_factory=dict)

    @field_validator("titles")
    @classmethod
    def _titles_fit(cls, titles: list[str]) -> list[str]:
        cleaned = [title.strip() for title in titles]
        for title in cleaned:
            if not title:
                raise ValueError("titles must not be empty")
            if len(title) > MAX_TITLE_CHARS:
                raise ValueError(f"title longer than {MAX_TITLE_CHARS} characters: {title[:40]}...")
        return cleaned

    @field_validator("tags", mode="before")
    @classmethod
    def _clean_tags(cls, tags: object) -> object:
        if not isinstance(tags, list):
            return tags
        cleaned = [str(tag).strip().lstrip("#").strip() for tag in tags]
        return list(dict.fromkeys(tag for tag in cleaned if tag))
