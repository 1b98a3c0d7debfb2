"""The official MCP Python SDK client against /mcp of the real `video-assets api` (tests/mcp/conftest.py): the tools
are listed over Streamable HTTP, a request submitted as a tool call is launched by the request sensor and completes,
a wrong key is refused, and every refusal is the problem the HTTP API answers to the same call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx2
import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult
from sqlalchemy import select

from tests.api.client import Api, assert_problem, bearer, request_body
from video_assets.db.api_models import AuditEntry
from video_assets.db.engine import session_scope
from video_assets.request_schema import VideoRequestSpec

TOOLS = {"submit_video", "get_video", "list_videos", "cancel_video", "get_catalog"}
T = TypeVar("T")


def with_client(
    api: Api,
    headers: dict[str, str],
    use: Callable[[Client], Awaitable[T]],
    mode: str = "auto",
    statuses: list[int] | None = None,
) -> T:
    """Run `use` on an SDK client connected to /mcp with these headers; `mode="legacy"` is the 2025 handshake.
    `statuses` collects the HTTP status of every answer the client got."""

    async def record(response: httpx2.Response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    async def run() -> T:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60, event_hooks={"response": [record]}) as http,
            Client(streamable_http_client(f"{api.url}/mcp", http_client=http), mode=mode) as client,
        ):
            return await use(client)

    return asyncio.run(run())


def tool_calls(api: Api, key: str, *calls: tuple[str, dict[str, Any]]) -> list[CallToolResult]:
    async def use(client: Client) -> list[CallToolResult]:
        return [await client.call_tool(name, arguments) for name, arguments in calls]

    return with_client(api, bearer(key), use)


def leaf_errors(error: BaseException) -> list[BaseException]:
    """The errors inside (nested) exception groups: the SDK client raises from its task groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaf_errors(inner)]
    return [error]


def answer_of(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.structured_content
    return result.structured_content


def problem_of(result: CallToolResult, status: int, pointer: str | None = None) -> dict[str, Any]:
    assert result.is_error, result.structured_content
    problem = result.structured_content
    assert problem["status"] == status and problem["title"], problem
    if pointer is not None:
        assert pointer in [error["pointer"] for error in problem.get("errors", [])], problem
    return problem


def test_an_agent_lists_the_tools_and_submits_a_request_the_sensor_launches_to_completion(api: Api) -> None:
    key = api.key("agents")

    async def list_tools(client: Client) -> dict[str, Any]:
        return {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}

    schemas = with_client(api, bearer(key), list_tools)
    assert set(schemas) == TOOLS
    assert schemas["submit_video"] == VideoRequestSpec.model_json_schema()
    assert schemas["get_video"]["required"] == ["request_id"]
    assert schemas["list_videos"]["properties"]["limit"]["maximum"] == 200
    # Handshake-era clients (protocol 2025-*) see the same tools.
    assert with_client(api, bearer(key), list_tools, mode="legacy") == schemas

    [submitted] = tool_calls(api, key, ("submit_video", request_body(api)))
    request_id = answer_of(submitted)["id"]
    assert answer_of(submitted)["status"] == "pending"

    ran = api.launch_pending()
    assert ran.returncode == 0 and f"{request_id} True" in ran.stdout, ran.stdout + ran.stderr[-3000:]

    status, listed, cancel = tool_calls(
        api,
        key,
        ("get_video", {"request_id": request_id}),
        ("list_videos", {"status": "completed"}),
        ("cancel_video", {"request_id": request_id}),
    )
    assert answer_of(status)["status"] == "completed"
    [variant] = answer_of(status)["variants"]
    assert requests.get(variant["outputs"]["video"]["url"], timeout=60).content[4:8] == b"ftyp"
    assert [row["id"] for row in answer_of(listed)["requests"]] == [request_id]
    api_cancel = requests.post(f"{api.url}/v1/videos/{request_id}/cancel", headers=bearer(key), timeout=30)
    assert problem_of(cancel, 409, "/status") == assert_problem(api_cancel, 409)

    with session_scope(api.database_url) as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.route == "/mcp")).all()
    outcomes = {(row.tenant, row.key_prefix, row.target, row.outcome) for row in audited}
    assert ("agents", key[:11], request_id, "submit_video: ok") in outcomes
    assert ("agents", key[:11], request_id, "cancel_video: refused with 409") in outcomes


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer va_not-a-key-at-all"}, {"X-API-Key": "va_not-a-key-at-all"}],
    ids=["none", "bearer", "x-api-key"],
)
def test_a_wrong_key_is_refused_with_the_apis_problem(api: Api, headers: dict[str, str]) -> None:
    async def list_tools(client: Client) -> Any:
        return await client.list_tools()

    statuses: list[int] = []
    with pytest.raises(BaseExceptionGroup) as refused:
        with_client(api, headers, list_tools, statuses=statuses)
    # The SDK reports any non-JSON-RPC 4xx as one generic error; what it was answered is the API's 401.
    assert [type(error) for error in leaf_errors(refused.value)] == [MCPError]
    assert statuses and set(statuses) == {401}
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    answer = requests.post(f"{api.url}/mcp", json=initialize, headers=headers, timeout=30)
    assert_problem(answer, 401)
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_every_refusal_is_the_problem_the_http_api_answers(api: Api) -> None:
    key = api.key("careful-agents")
    reader = api.key("careful-agents", "read")
    other = api.key("other-agents")
    invalid = request_body(api, video_count=9, materials=[{"uri": "/etc/passwd"}])
    [refused] = tool_calls(api, key, ("submit_video", invalid))
    over_http = requests.post(f"{api.url}/v1/videos", json=invalid, headers=bearer(key), timeout=30)
    assert problem_of(refused, 422, "/video_count") == assert_problem(over_http, 422)

    [submitted] = tool_calls(api, key, ("submit_video", request_body(api)))
    request_id = answer_of(submitted)["id"]
    hidden, unknown, bad_status, unexpected = tool_calls(
        api,
        other,
        ("get_video", {"request_id": request_id}),
        ("get_video", {"request_id": "req_unknown"}),
        ("list_videos", {"status": "finished"}),
        ("get_video", {"request_id": request_id, "verbose": True}),
    )
    assert problem_of(hidden, 404)["detail"].replace(request_id, "X") == problem_of(unknown, 404)["detail"].replace(
        "req_unknown", "X"
    )
    problem_of(bad_status, 400, "/status")
    problem_of(unexpected, 400)

    [read_only_submit, catalog] = tool_calls(api, reader, ("submit_video", request_body(api)), ("get_catalog", {}))
    api_submit = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=bearer(reader), timeout=30)
    assert problem_of(read_only_submit, 403) == assert_problem(api_submit, 403)
    api_catalog = requests.get(f"{api.url}/v1/catalog", headers=bearer(reader), timeout=30)
    assert answer_of(catalog) == api_catalog.json()

    [cancelled] = tool_calls(api, key, ("cancel_video", {"request_id": request_id}))
    assert answer_of(cancelled)["status"] == "cancelled"
