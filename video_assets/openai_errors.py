"""One readable, redacted line for an OpenAI-compatible endpoint's error answer, shared by the LLM and TTS clients."""

from __future__ import annotations

import openai

from video_assets.redaction import excerpt

MESSAGE_CHARS = 300


def status_error_text(error: openai.APIStatusError) -> str:
    """`HTTP <status>: <the provider's message>`: the JSON error message when there is one, else the body itself
    (an HTML error page says more than the SDK's bare "Error code: 401"). Redacted before it is cut."""
    body = error.body
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and detail.get("message"):
            return f"HTTP {error.status_code}: {excerpt(str(detail['message']), MESSAGE_CHARS)}"
    text = error.response.text if error.response is not None else str(error.message)
    return f"HTTP {error.status_code}: {excerpt(text, MESSAGE_CHARS)}"
