"""Refusals at submit that depend on the deployment: a voice its TTS does not have, a style no planner knows, a
watermark or background music its fetch policy will refuse or, for a local file, that is missing or unreadable. Found
later, each would fail every variant at render."""

from __future__ import annotations

from video_assets.media import FetchPolicy, S3Sources, fetch_refusal, unreadable_local_file
from video_assets.request_schema import VideoRequestSpec
from video_assets.scripting.styles import KNOWN_STYLES
from video_assets.settings import Settings
from video_assets.tts.voices import voice_problem


def submit_fetch_policy(settings: Settings) -> FetchPolicy:
    """The part of the ingestion policy that decides where a location may be fetched from. The request has no id
    yet, so no key under the store's requests/ prefix is its own."""
    return FetchPolicy(
        allow_hosts=frozenset(settings.fetch_allow_hosts),
        local_roots=settings.local_roots,
        s3=S3Sources(
            allowed=settings.s3_material_sources, store_bucket=settings.s3_bucket if settings.storage == "s3" else ""
        ),
    )


def service_problems(spec: VideoRequestSpec, settings: Settings) -> list[str]:
    """`field: reason` for everything this deployment cannot do for the request; empty when it can."""
    problems = [
        f"script_styles: unknown style {style!r} (known: {', '.join(KNOWN_STYLES)})"
        for style in spec.script_styles
        if style not in KNOWN_STYLES
    ]
    if spec.voice:
        voice = voice_problem(settings.tts_backend, spec.voice, settings.tts_base_url)
        if voice:
            problems.append(f"voice: {voice}")
    policy = submit_fetch_policy(settings)
    locations = {
        "watermark.image_uri": spec.watermark.image_uri if spec.watermark else None,
        "bgm.uri": spec.bgm.uri if spec.bgm else None,
    }
    for field, uri in locations.items():
        refused = (fetch_refusal(uri, policy) or unreadable_local_file(uri, policy)) if uri else None
        if refused:
            problems.append(f"{field}: {refused}")
    return problems
