"""MCP over Streamable HTTP at /mcp: five /v1 routes offered to AI agents as tools, with the same keys and tenants.

A tool is its route: its input schema is the route's own (the request schema for submit_video, the path and query
parameters from /openapi.json for the others), the call goes through the route's scope check and its function, and
a refusal is the route's problem, returned as the tool's error result. Nothing an agent does can diverge from what
an HTTP client of /v1 gets. The key is checked, and the call counted against the tenant's rate, before the MCP layer
sees the message: a wrong key gets the API's 401 problem.

Stateless with JSON answers: no session lives in one API process, so several processes behind one address serve
the same agent, and every tool answers at once (the request sensor does the work)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, get_type_hints

import anyio.to_thread
import mcp_types as types
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from mcp.server import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from video_assets.api.deps import caller
from video_assets.api.problems import Problem
from video_assets.api.routes import catalog, videos
from video_assets.request_schema import VideoRequestSpec
from video_assets.service.keys import Principal
from video_assets.settings import Settings

MCP_PATH = "/mcp"


@dataclass(frozen=True)
class ToolRoute:
    method: str
    path: str
    endpoint: Callable[..., Any]
    description: str
    body_schema: dict[str, Any] | None = None  # the JSON body the route reads; None: its path and query parameters


TOOLS = {
    "submit_video": ToolRoute(
        "post",
        "/v1/videos",
        videos.submit_video,
        "Submit an article (Markdown) and its materials (http(s) URLs or this tenant's uploads) to be made into "
        "1-5 short videos. Answers at once with the new request's id and status `pending`; follow it with "
        "get_video. The same rules and problems as POST /v1/videos.",
        VideoRequestSpec.model_json_schema(),
    ),
    "get_video": ToolRoute(
        "get",
        "/v1/videos/{request_id}",
        videos.get_video,
        "A request's status, stage, progress, queue position and error, and per rendered variant its outputs "
        "(video, covers, subtitles) with presigned URLs and their expiry. As GET /v1/videos/{request_id}.",
    ),
    "list_videos": ToolRoute(
        "get",
        "/v1/videos",
        videos.list_videos,
        "This tenant's requests, newest first, filtered by status and creation time; pass `next` back as `after` "
        "for the following page. As GET /v1/videos.",
    ),
    "cancel_video": ToolRoute(
        "post",
        "/v1/videos/{request_id}/cancel",
        videos.cancel_video,
        "Cancel a request that has not ended; a run in flight stops at its next step. As POST "
        "/v1/videos/{request_id}/cancel.",
    ),
    "get_catalog": ToolRoute(
        "get",
        "/v1/catalog",
        catalog.catalog,
        "What a request may ask for: voices, script styles, platforms, aspects and the limits (materials, "
        "durations, rate, daily output seconds). As GET /v1/catalog.",
    ),
}


def mount_mcp(app: FastAPI, settings: Settings) -> None:
    """Serve MCP at /mcp; `mcp_lifespan` must run the session manager this leaves in `app.state.mcp_sessions`."""
    server = Server("video-assets", version="1", on_list_tools=_list_tools(app), on_call_tool=_call_tool(app))
    # No DNS-rebinding Host/Origin check (the SDK's guard for unauthenticated local servers): every call carries an
    # API key, which a rebound web page cannot know, and the API may sit behind a proxy under any host name.
    sessions = StreamableHTTPSessionManager(
        server, json_response=True, stateless=True, max_request_body_size=settings.api_max_body_bytes
    )
    app.state.mcp_sessions = sessions
    # A Route, not a Mount: a Mount answers /mcp with a redirect to /mcp/.
    app.router.routes.append(Route(MCP_PATH, endpoint=KeyedEndpoint(sessions)))


@asynccontextmanager
async def mcp_lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with app.state.mcp_sessions.run():
        yield


class KeyedEndpoint:
    """The API's own key check and rate count (`caller`) in front of the MCP transport."""

    def __init__(self, sessions: StreamableHTTPSessionManager) -> None:
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        headers = request.headers
        try:
            await run_in_threadpool(caller, request, headers.get("authorization"), headers.get("x-api-key"))
        except Problem as problem:
            await problem.response()(scope, receive, send)
            return
        await self.sessions.handle_request(scope, receive, send)


def _list_tools(app: FastAPI) -> Callable[..., Awaitable[types.ListToolsResult]]:
    async def list_tools(
        ctx: ServerRequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list(_tools(app).values()))

    return list_tools


@cache
def _tools(app: FastAPI) -> dict[str, types.Tool]:
    # Built at the first call, not at mount time: asking for /openapi.json earlier would freeze it without the routes
    # included after /mcp.
    return {
        name: types.Tool(name=name, description=tool.description, input_schema=_schema(app, tool))
        for name, tool in TOOLS.items()
    }


def _schema(app: FastAPI, tool: ToolRoute) -> dict[str, Any]:
    if tool.body_schema is not None:
        return tool.body_schema
    operation = app.openapi()["paths"][tool.path][tool.method]
    parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
    properties = {
        p["name"]: {**p["schema"], **({"description": p["description"]} if "description" in p else {})}
        for p in parameters
    }
    required = [p["name"] for p in parameters if p.get("required")]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _call_tool(app: FastAPI) -> Callable[..., Awaitable[types.CallToolResult]]:
    async def call_tool(ctx: ServerRequestContext, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = TOOLS.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r}; known: {', '.join(TOOLS)}")
        request: Request = ctx.request
        arguments = params.arguments or {}
        # The audit row of this POST /mcp (ApiLayer) names the request acted on, as /v1 rows do from their path.
        request.state.target = str(arguments.get("request_id", "")) or None
        try:
            body = await anyio.to_thread.run_sync(partial(_answer, app, params.name, request, arguments))
        except Problem as problem:
            request.state.outcome = f"{params.name}: refused with {problem.status}"
            return _result(problem.body(), error=True)
        request.state.outcome = f"{params.name}: ok"
        return _result(body, error=False)

    return call_tool


def _answer(app: FastAPI, name: str, request: Request, arguments: dict[str, Any]) -> Any:
    """What the route answers to these arguments, after its own scope check; a refusal raises its Problem."""
    tool = TOOLS[name]
    principal: Principal = request.state.principal
    # The route's own scope dependency (`scoped(...)` in its `principal` annotation), so a tool asks what it asks.
    get_type_hints(tool.endpoint, include_extras=True)["principal"].__metadata__[0].dependency(principal)
    if tool.body_schema is not None:
        answer = tool.endpoint(request=request, principal=principal, text=json.dumps(arguments, ensure_ascii=False))
    else:
        _check_arguments(_tools(app)[name].input_schema, arguments)
        answer = tool.endpoint(request=request, principal=principal, **arguments)
    return json.loads(answer.body) if isinstance(answer, Response) else answer


def _check_arguments(schema: dict[str, Any], arguments: dict[str, Any]) -> None:
    """A malformed parameter is a 400 problem naming it, as the API answers one in a query or a path."""
    errors = [(f"/{name}", "required") for name in schema["required"] if name not in arguments]
    errors += [
        ("".join(f"/{part}" for part in error.absolute_path), error.message)
        for error in Draft202012Validator(schema).iter_errors(arguments)
        if error.validator != "required"
    ]
    if errors:
        raise Problem(
            400, "Bad Request", "; ".join(f"{where or 'arguments'}: {what}" for where, what in errors), errors
        )


def _result(body: Any, error: bool) -> types.CallToolResult:
    text = types.TextContent(text=json.dumps(body, ensure_ascii=False))
    return types.CallToolResult(content=[text], structured_content=body, is_error=error)
