"""`video-assets api`: the application on uvicorn at VIDEO_ASSETS_API_HOST:VIDEO_ASSETS_API_PORT."""

from __future__ import annotations

import uvicorn

from video_assets.api.app import asgi_app
from video_assets.settings import Settings


def serve(settings: Settings) -> None:
    uvicorn.run(
        asgi_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        # Handlers are plain `def`: uvicorn's thread pool runs them; no proxy headers are trusted.
        proxy_headers=False,
    )
