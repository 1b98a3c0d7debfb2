"""What a client may ask for, from the same sources the validation reads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from video_assets.api.deps import scoped, settings_of
from video_assets.api.problems import problem_responses
from video_assets.platforms import PLATFORMS
from video_assets.request_schema import CANVAS_SIZES, MAX_MARKDOWN_CHARS, MAX_MATERIALS, VideoRequestSpec
from video_assets.scripting.styles import KNOWN_STYLES
from video_assets.service.keys import Principal
from video_assets.tts.voices import OPENAI_VOICES, espeak_voices

router = APIRouter(prefix="/v1", tags=["catalog"], responses=problem_responses(400, 401, 403, 413, 429))


@router.get("/catalog")
def catalog(request: Request, principal: Annotated[Principal, Depends(scoped("read"))]) -> dict[str, Any]:
    settings = settings_of(request)
    fields = VideoRequestSpec.model_fields
    voices = {"espeak": sorted(espeak_voices()), "openai": sorted(OPENAI_VOICES)}.get(settings.tts_backend, [])
    return {
        "tts_backend": settings.tts_backend,
        "voices": voices,
        "styles": list(KNOWN_STYLES),
        "platforms": sorted(PLATFORMS),
        "aspects": {aspect: {"width": w, "height": h} for aspect, (w, h) in CANVAS_SIZES.items()},
        "limits": {
            "materials": MAX_MATERIALS,
            "markdown_chars": MAX_MARKDOWN_CHARS,
            "video_count": {"min": 1, "max": 5, "default": fields["video_count"].default},
            "target_duration": {"min": 5.0, "max": 600.0, "default": fields["target_duration"].default},
            "body_bytes": settings.api_max_body_bytes,
            "rate": {"calls": settings.api_rate_per_minute, "window_seconds": settings.api_rate_window_seconds},
            "daily_output_seconds": settings.api_daily_output_seconds,
        },
    }
