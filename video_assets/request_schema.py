"""The request a content team submits: an article, its materials and the rendering options."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

from video_assets.platforms import DEFAULT_PLATFORMS, PLATFORMS, PlatformName

MAX_MATERIALS = 50
MAX_MARKDOWN_CHARS = 200_000
ALLOWED_SCHEMES = ("http", "https", "s3", "file")
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
METADATA_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
MAX_METADATA_VALUE_CHARS = 500

Aspect = Literal["9:16", "16:9", "1:1"]
Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
TransitionName = Literal[
    "none",
    "fade",
    "fadeblack",
    "fadewhite",
    "dissolve",
    "wipeleft",
    "wiperight",
    "slideleft",
    "slideright",
    "slideup",
    "slidedown",
    "circleopen",
    "circleclose",
    "smoothleft",
    "smoothright",
    "radial",
    "pixelize",
    "zoomin",
]

CANVAS_SIZES: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}


# C0 and C1 controls and DEL; tab, line feed, vertical tab, form feed and carriage return are whitespace and allowed.
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def control_character_problem(text: str) -> str | None:
    found = _CONTROL_CHARACTER.search(text)
    if found is None:
        return None
    return f"contains the control character U+{ord(found.group()):04X} at position {found.start()}"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        """Every string field and list of strings: a NUL makes Postgres refuse the row, others break the renders."""
        for text in value if isinstance(value, list) else [value]:
            problem = control_character_problem(text) if isinstance(text, str) else None
            if problem:
                raise ValueError(problem)
        return value


class Material(StrictModel):
    uri: str = Field(min_length=1, max_length=2048)
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("uri")
    @classmethod
    def _known_scheme(cls, uri: str) -> str:
        return validate_material_uri(uri)


def validate_material_uri(uri: str) -> str:
    """Accept http(s) URLs, s3:// keys, file:// URLs and plain local paths."""
    parsed = urlparse(uri)
    if not parsed.scheme or (len(parsed.scheme) == 1 and uri[1:3] in (":\\", ":/")):
        if "\x00" in uri:
            raise ValueError("local path contains a NUL byte")
        return uri
    scheme = parsed.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise ValueError(f"unsupported scheme '{scheme}://' (allowed: http, https, s3, file, or a local path)")
    if scheme in ("http", "https", "s3") and not parsed.netloc:
        raise ValueError(f"{scheme}:// URI has no host or bucket")
    if scheme == "s3" and not PurePosixPath(parsed.path).name:
        raise ValueError("s3:// URI has no object key")
    return uri


class SubtitleStyle(StrictModel):
    enabled: bool = True
    font: str = "Noto Sans CJK SC"
    size: int = Field(default=64, ge=12, le=200, description="font size in pixels at 1080 px width")
    primary_color: str = Field(default="#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$")
    highlight_color: str = Field(default="#FFD400", pattern=r"^#[0-9A-Fa-f]{6}$")
    outline_color: str = Field(default="#000000", pattern=r"^#[0-9A-Fa-f]{6}$")
    position: Literal["bottom", "middle", "top"] = "bottom"
    karaoke: bool = True
    # Off by default: the outline already keeps text legible, and a drop shadow is one more layer that the
    # render blends onto every frame (about a third of the subtitle cost).
    shadow: bool = False


class Transition(StrictModel):
    type: TransitionName = "fade"
    duration: float = Field(default=0.5, ge=0.0, le=2.0)


class Watermark(StrictModel):
    text: str | None = Field(default=None, max_length=100)
    image_uri: str | None = None
    corner: Corner = "top-right"
    margin: int = Field(default=32, ge=0, le=400)
    opacity: float = Field(default=0.7, ge=0.0, le=1.0)
    scale: float = Field(default=0.15, gt=0.0, le=0.5, description="width relative to the video width")

    @field_validator("image_uri")
    @classmethod
    def _image_scheme(cls, uri: str | None) -> str | None:
        return None if uri is None else validate_material_uri(uri)


class Bgm(StrictModel):
    uri: str
    volume: float = Field(default=0.25, ge=0.0, le=1.0)
    duck: bool = True
    fade_out: float = Field(default=2.0, ge=0.0, le=10.0)

    @field_validator("uri")
    @classmethod
    def _bgm_scheme(cls, uri: str) -> str:
        return validate_material_uri(uri)


class VideoRequestSpec(StrictModel):
    title: str = Field(min_length=1, max_length=200)
    markdown: str = Field(min_length=1, max_length=MAX_MARKDOWN_CHARS)
    materials: list[Material] = Field(default_factory=list, max_length=MAX_MATERIALS)
    video_count: int = Field(default=3, ge=1, le=5)
    aspect: Aspect = "9:16"
    target_duration: float = Field(default=60.0, ge=5.0, le=600.0, description="seconds per video")
    voice: str | None = Field(default=None, max_length=100)
    language: str = Field(default="zh", pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$")
    subtitle_style: SubtitleStyle = Field(default_factory=SubtitleStyle)
    transition: Transition = Field(default_factory=Transition)
    watermark: Watermark | None = None
    bgm: Bgm | None = None
    script_styles: list[str] = Field(default_factory=lambda: ["default", "product_geek"], min_length=1, max_length=5)
    platforms: list[PlatformName] = Field(
        default_factory=lambda: list(DEFAULT_PLATFORMS), min_length=1, max_length=len(PLATFORMS)
    )
    tags: list[str] = Field(default_factory=list, max_length=20, description="the article's own topics (feed tags)")
    exports: list[Literal["jianying", "editor"]] = Field(
        default_factory=lambda: ["jianying", "editor"],
        max_length=2,
        description="editable exports of each video: a Jianying draft, an editor's package (OTIO, FCP7 XML, SRT)",
    )
    idempotency_key: str | None = None
    metadata: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description="the client's own labels (up to 20; keys of 1-40 letters, digits, '_', '.' or '-'; values up "
        "to 500 characters), returned in the request's webhook events",
    )

    @field_validator("metadata")
    @classmethod
    def _plain_metadata(cls, metadata: dict[str, str]) -> dict[str, str]:
        for key, value in metadata.items():
            if not METADATA_KEY_PATTERN.match(key):
                raise ValueError(f"key {key[:50]!r} must be 1-40 letters, digits, '_', '.' or '-'")
            problem = control_character_problem(value)
            if len(value) > MAX_METADATA_VALUE_CHARS or problem:
                raise ValueError(f"value of {key!r} {problem or f'is over {MAX_METADATA_VALUE_CHARS} characters'}")
        return metadata

    @field_validator("idempotency_key")
    @classmethod
    def _key_shape(cls, key: str | None) -> str | None:
        if key is not None and not IDEMPOTENCY_KEY_PATTERN.match(key):
            raise ValueError("must be 1-128 characters of letters, digits, '_', '.', ':' or '-'")
        return key

    @field_validator("platforms")
    @classmethod
    def _distinct_platforms(cls, platforms: list[str]) -> list[str]:
        return list(dict.fromkeys(platforms))

    @field_validator("tags")
    @classmethod
    def _short_tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not 1 <= len(tag) <= 40:
                raise ValueError(f"tag {tag[:50]!r} must be 1-40 characters")
        return tags

    @field_validator("script_styles")
    @classmethod
    def _style_names(cls, styles: list[str]) -> list[str]:
        for style in styles:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", style):
                raise ValueError(f"style '{style}' must be lowercase letters, digits or '_'")
        return styles

    @property
    def canvas_size(self) -> tuple[int, int]:
        return CANVAS_SIZES[self.aspect]

    def style_for_variant(self, index: int) -> str:
        return self.script_styles[index % len(self.script_styles)]
