"""The FastAPI application: routers per resource, problem details for every error, and the ASGI layer that caps
bodies, tags answers and writes the audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import anyio.to_thread
import boto3
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp

from video_assets.api.mcp_server import mcp_lifespan, mount_mcp
from video_assets.api.middleware import ApiLayer, BodyTooLarge, too_large
from video_assets.api.openapi import publish_schema
from video_assets.api.problems import Problem, pointer
from video_assets.api.routes import batches, catalog, health, uploads, videos
from video_assets.api.webhook_routes import router as webhook_router
from video_assets.settings import Settings
from video_assets.storage import LocalObjectStore, ObjectStore, S3ObjectStore


def object_store(settings: Settings) -> ObjectStore:
    if settings.storage == "local":
        return LocalObjectStore(settings.store_dir)
    client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url or None, region_name=settings.s3_region)
    return S3ObjectStore(client, settings.s3_bucket)


# Handlers are plain `def`, run on anyio's thread pool (40 threads by default). Their work is Python holding the GIL
# and short database calls, so more threads than this only take turns on the GIL and wait for pool connections, and
# those waits decide the slowest answers: with 16 clients, 4 threads answered submit p99 in 179 ms where 40 took 264
# ms (bench/api_bench.py). Nothing slow holds one: SSE streams wait on the event loop.
HANDLER_THREADS = 4


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
    async with mcp_lifespan(app):
        yield


def build_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="video-assets", version="1", openapi_url="/openapi.json", docs_url="/docs", lifespan=lifespan)
    app.state.settings = settings
    app.state.store = cache(lambda: object_store(settings))
    for router in (health.router, videos.router, batches.router, catalog.router, uploads.router, webhook_router):
        app.include_router(router)
    publish_schema(app)
    mount_mcp(app, settings)

    @app.exception_handler(Problem)
    def on_problem(request: Request, problem: Problem) -> Response:
        return problem.response()

    @app.exception_handler(BodyTooLarge)
    def on_body_too_large(request: Request, error: BodyTooLarge) -> Response:
        return too_large(settings.api_max_body_bytes).response()

    @app.exception_handler(RequestValidationError)
    def on_invalid(request: Request, error: RequestValidationError) -> Response:
        errors = [(pointer(".".join(str(part) for part in e["loc"])), str(e["msg"])) for e in error.errors()]
        return Problem(400, "Bad Request", "; ".join(detail for _, detail in errors), errors).response()

    @app.exception_handler(HTTPException)
    def on_http(request: Request, error: HTTPException) -> Response:
        return Problem(error.status_code, str(error.detail), headers=dict(error.headers or {})).response()

    return app


def asgi_app(settings: Settings) -> ASGIApp:
    return ApiLayer(build_app(settings), settings.api_max_body_bytes, settings.database_url.get_secret_value())
