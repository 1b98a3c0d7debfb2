"""`video-assets api`: the application on uvicorn at VIDEO_ASSETS_API_HOST:VIDEO_ASSETS_API_PORT, in
VIDEO_ASSETS_API_WORKERS processes."""

from __future__ import annotations

import os

import uvicorn
from starlette.types import ASGIApp

from video_assets.api.app import asgi_app
from video_assets.settings import Settings


def app_from_environment() -> ASGIApp:
    """What each worker process serves: it reads its settings from the environment as the parent did."""
    return asgi_app(Settings())


def serve(settings: Settings) -> None:
    # Handlers are plain `def`, run on anyio's thread pool (api/app.py); no proxy headers are trusted.
    options = {"host": settings.api_host, "port": settings.api_port, "log_level": "info", "proxy_headers": False}
    if settings.api_workers == 1:
        uvicorn.run(asgi_app(settings), **options)
        return
    os.environ["VIDEO_ASSETS_API_HOST"] = settings.api_host  # `--host` reaches the workers through the environment
    uvicorn.run("video_assets.api.server:app_from_environment", factory=True, workers=settings.api_workers, **options)
