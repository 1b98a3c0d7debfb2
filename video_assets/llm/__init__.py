"""LLM backends: the offline planner (embedded default) and any OpenAI-compatible endpoint
(`video_assets.llm.openai_backend`, not imported here: the SDK is imported only where that backend is used)."""

from video_assets.llm.backend import LlmBackend, ScriptWriter
from video_assets.llm.errors import LlmError
from video_assets.llm.factory import make_llm_backend
from video_assets.llm.offline import (
    OFFLINE_DESCRIBE_VERSION,
    OFFLINE_SCRIPT_VERSION,
    OFFLINE_SEO_VERSION,
    OfflinePlanner,
)
from video_assets.llm.rate_limit import RateLimiter, TokenBucket

__all__ = [
    "OFFLINE_DESCRIBE_VERSION",
    "OFFLINE_SCRIPT_VERSION",
    "OFFLINE_SEO_VERSION",
    "LlmBackend",
    "LlmError",
    "OfflinePlanner",
    "RateLimiter",
    "ScriptWriter",
    "TokenBucket",
    "make_llm_backend",
]
